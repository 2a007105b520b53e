using Backazon.Bench;
using Backazon.Bench.Dataset;
using Backazon.Bench.Tools;

// Backazon side by side with rclone, restic and a plain SDK copy: see bench/README.md.
//   run [--smoke] [--files N] [--folders N] [--big-files N] [--big-mib N] [--seed N] [--out FILE] [--keep] [--first-only]
//       [--network RTT_MS/MBIT] [--sdk-parallelism N,N,...] [--no-edits] [--warm-up FILES]
//   restore-scale [FILES] [--out FILE] [--keep]   a restore of FILES (100,000) small files, page times and backend memory
//   web [FILES] [MIB] [--out FILE] [--keep]    the web page in Chromium: first page of FILES (100,000) files; a MIB (1024) folder as a ZIP vs backazon restore
//   generate DIR [same dataset options]      the tree alone, for looking at
//   sdk-upload SAS_URL DIR [N] | sdk-download SAS_URL DIR [N]   the plain copy, N at once, run as its own process
var options = BenchOptions.Parse(args.Skip(1).ToArray());
switch (args.FirstOrDefault())
{
    case "run":
        var work = Directory.CreateTempSubdirectory("backazon-bench-").FullName;
        try
        {
            var results = await new BenchRun(options.Spec, work, BenchPaths.FromThisProgram(), options.FirstOnly, options.Network, options.SdkParallelism, options.NoEdits, options.WarmUpFiles).RunAsync();
            var table = ResultTable.Render(results, Machine.Describe() + (options.Smoke ? "; smoke mode" : "")
                + (options.WarmUpFiles > 0 ? $"; servers warmed up first by a backup of {options.WarmUpFiles:N0} other files to another account" : "")
                + (options.Network is { } link ? $"; network: {link.Describe()} between the tools and the store and API (the backend's storage traffic stays on loopback)" : ""));
            Console.WriteLine(table);
            if (options.Out is not null)
            {
                await File.WriteAllTextAsync(options.Out, table);
            }
        }
        finally
        {
            if (!options.Keep)
            {
                Directory.Delete(work, recursive: true);
            }
        }

        return 0;
    case "restore-scale":
        var scaleWork = Directory.CreateTempSubdirectory("backazon-bench-scale-").FullName;
        try
        {
            var files = options.Positional.Count > 0 ? int.Parse(options.Positional[0], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
            var report = await new RestoreScaleRun(files, scaleWork, BenchPaths.FromThisProgram()).RunAsync();
            Console.WriteLine(report);
            if (options.Out is not null)
            {
                await File.WriteAllTextAsync(options.Out, report);
            }
        }
        finally
        {
            if (!options.Keep)
            {
                Directory.Delete(scaleWork, recursive: true);
            }
        }

        return 0;
    case "web":
        var webWork = Directory.CreateTempSubdirectory("backazon-bench-web-").FullName;
        try
        {
            var webFiles = options.Positional.Count > 0 ? int.Parse(options.Positional[0], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
            var webMib = options.Positional.Count > 1 ? int.Parse(options.Positional[1], System.Globalization.CultureInfo.InvariantCulture) : 1024;
            var report = await new WebBenchRun(webFiles, webMib, webWork, BenchPaths.FromThisProgram()).RunAsync();
            Console.WriteLine(report);
            if (options.Out is not null)
            {
                await File.WriteAllTextAsync(options.Out, report);
            }
        }
        finally
        {
            if (!options.Keep)
            {
                Directory.Delete(webWork, recursive: true);
            }
        }

        return 0;
    case "generate":
        var stats = DatasetGenerator.Generate(options.Positional[0], options.Spec);
        Console.WriteLine($"{stats.Files:N0} files, {stats.Bytes / 1e6:N1} MB");
        return 0;
    case "sdk-upload":
        await SdkCopyTool.UploadAsync(new Uri(options.Positional[0]), options.Positional[1], SdkCopyTool.ParallelismArgument(options.Positional));
        return 0;
    case "sdk-download":
        await SdkCopyTool.DownloadAsync(new Uri(options.Positional[0]), options.Positional[1], SdkCopyTool.ParallelismArgument(options.Positional));
        return 0;
    default:
        Console.Error.WriteLine("usage: Backazon.Bench run [--smoke] [options] | restore-scale [FILES] | web [FILES] [MIB] | generate DIR | sdk-upload URL DIR | sdk-download URL DIR (see bench/README.md)");
        return 2;
}

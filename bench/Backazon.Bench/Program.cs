using Backazon.Bench;
using Backazon.Bench.Dataset;
using Backazon.Bench.Tools;

// Backazon side by side with rclone, restic and a plain SDK copy: see bench/README.md.
//   run [--smoke] [--files N] [--folders N] [--big-files N] [--big-mib N] [--seed N] [--out FILE] [--keep] [--first-only]
//       [--network RTT_MS/MBIT] [--sdk-parallelism N,N,...] [--no-edits] [--warm-up FILES]
//   restore-scale [FILES] [--out FILE] [--keep]   a restore of FILES (100,000) small files, page times and backend memory
//   web [FILES] [MIB] [--out FILE] [--keep]    the web page in Chromium: first page of FILES (100,000) files; a MIB (1024) folder as a ZIP vs backazon restore
//   foreground [MIB] [--out FILE] [--keep]     a foreground job's slowdown beside a backup at normal and at the agent's priority
//   generate DIR [same dataset options]      the tree alone, for looking at
//   sdk-upload SAS_URL DIR [N] | sdk-download SAS_URL DIR [N]   the plain copy, N at once, run as its own process
var options = BenchOptions.Parse(args.Skip(1).ToArray());
switch (args.FirstOrDefault())
{
    case "run":
        return await InWorkFolderAsync("backazon-bench-", async work =>
        {
            var results = await new BenchRun(options.Spec, work, BenchPaths.FromThisProgram(), options.FirstOnly, options.Network, options.SdkParallelism, options.NoEdits, options.WarmUpFiles).RunAsync();
            return ResultTable.Render(results, Machine.Describe() + (options.Smoke ? "; smoke mode" : "")
                + (options.WarmUpFiles > 0 ? $"; servers warmed up first by a backup of {options.WarmUpFiles:N0} other files to another account" : "")
                + (options.Network is { } link ? $"; network: {link.Describe()} between the tools and the store and API (the backend's storage traffic stays on loopback)" : ""));
        });
    case "restore-scale":
        return await InWorkFolderAsync("backazon-bench-scale-", work =>
            new RestoreScaleRun(Positional(0, 100_000), work, BenchPaths.FromThisProgram()).RunAsync());
    case "web":
        return await InWorkFolderAsync("backazon-bench-web-", work =>
            new WebBenchRun(Positional(0, 100_000), Positional(1, 1024), work, BenchPaths.FromThisProgram()).RunAsync());
    case "foreground":
        return await InWorkFolderAsync("backazon-bench-foreground-", work =>
            new ForegroundBenchRun(Positional(0, 1024), work, BenchPaths.FromThisProgram()).RunAsync());
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
        Console.Error.WriteLine("usage: Backazon.Bench run [--smoke] [options] | restore-scale [FILES] | web [FILES] [MIB] | foreground [MIB] | generate DIR | sdk-upload URL DIR | sdk-download URL DIR (see bench/README.md)");
        return 2;
}

int Positional(int index, int otherwise) =>
    options.Positional.Count > index ? int.Parse(options.Positional[index], System.Globalization.CultureInfo.InvariantCulture) : otherwise;

// A run in a work folder of its own under /tmp (kept with --keep): its report to standard output
// and to --out.
async Task<int> InWorkFolderAsync(string prefix, Func<string, Task<string>> run)
{
    var work = Directory.CreateTempSubdirectory(prefix).FullName;
    try
    {
        var report = await run(work);
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
            Directory.Delete(work, recursive: true);
        }
    }

    return 0;
}

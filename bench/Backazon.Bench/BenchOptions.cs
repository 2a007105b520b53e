using System.Globalization;
using Backazon.Bench.Dataset;
using Backazon.Bench.Measuring;

namespace Backazon.Bench;

/// <summary>The command line: dataset size (smoke or full, each number overridable), where to
/// write the table, whether to keep the work folder.</summary>
public sealed record BenchOptions(DatasetSpec Spec, bool Smoke, string? Out, bool Keep, bool FirstOnly, IReadOnlyList<string> Positional,
    NetworkLink? Network = null, IReadOnlyList<int>? SdkParallelism = null, bool NoEdits = false, int WarmUpFiles = 0)
{
    /// <summary>The dataset's numbers, each settable from the command line.</summary>
    private static readonly Dictionary<string, Func<DatasetSpec, int, DatasetSpec>> SpecOptions = new()
    {
        ["--files"] = (spec, n) => spec with { Files = n },
        ["--folders"] = (spec, n) => spec with { Folders = n },
        ["--big-files"] = (spec, n) => spec with { BigFiles = n },
        ["--big-mib"] = (spec, n) => spec with { BigFileMiB = n },
        ["--seed"] = (spec, n) => spec with { Seed = n },
    };

    public static BenchOptions Parse(string[] args)
    {
        var smoke = args.Contains("--smoke");
        var spec = smoke ? DatasetSpec.Smoke : new DatasetSpec();
        string? output = null;
        var keep = false;
        var firstOnly = false;
        var noEdits = false;
        var positional = new List<string>();
        NetworkLink? network = null;
        List<int>? sdkParallelism = null;
        var warmUp = 0;
        for (var i = 0; i < args.Length; i++)
        {
            if (SpecOptions.TryGetValue(args[i], out var set))
            {
                spec = set(spec, Number(args[++i]));
            }
            else if (args[i] == "--out")
            {
                output = args[++i];
            }
            else if (args[i] == "--keep")
            {
                keep = true;
            }
            else if (args[i] == "--network")
            {
                network = NetworkLink.Parse(args[++i]);
            }
            else if (args[i] == "--sdk-parallelism")
            {
                sdkParallelism = [.. args[++i].Split(',').Select(Number)];
            }
            else if (args[i] == "--no-edits")
            {
                noEdits = true;
            }
            else if (args[i] == "--warm-up")
            {
                warmUp = Number(args[++i]);
            }
            else if (args[i] == "--first-only")
            {
                firstOnly = true;
            }
            else if (args[i] != "--smoke")
            {
                positional.Add(args[i].StartsWith("--", StringComparison.Ordinal) ? throw new ArgumentException($"Unknown option {args[i]}.") : args[i]);
            }
        }

        return new BenchOptions(spec, smoke, output, keep, firstOnly, positional, network, sdkParallelism, noEdits, warmUp);
    }

    private static int Number(string text) => int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
}

/// <summary>The machine, for the table's caption: results mean nothing without it.</summary>
public static class Machine
{
    public static string Describe()
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "unknown CPU";
        var memory = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return string.Create(CultureInfo.InvariantCulture,
            $"{Environment.ProcessorCount} cores ({cpu}), shared with other work; {long.Parse(memory, CultureInfo.InvariantCulture) / 1024 / 1024} GiB; {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; Azurite {Backazon.LocalHost.Azurite.AzuriteInstaller.Version} on local disk");
    }
}

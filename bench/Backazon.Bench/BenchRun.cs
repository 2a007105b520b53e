using Backazon.Bench.Dataset;
using Backazon.Bench.Measuring;
using Backazon.Bench.Tools;

namespace Backazon.Bench;

/// <summary>
/// The whole comparison on one tree: each step is taken by every tool in turn before the tree
/// changes again, so all see exactly the same states — first backup, unchanged rerun, one backup
/// per mutation, then a full restore (checked against the tree).
/// </summary>
public sealed class BenchRun(DatasetSpec spec, string work, BenchPaths paths, bool firstOnly = false, NetworkLink? link = null, IReadOnlyList<int>? sdkParallelism = null, bool noEdits = false, int warmUpFiles = 0)
{
    public const string RestoreStep = "full restore";

    private readonly List<StepResult> _results = [];

    public async Task<IReadOnlyList<StepResult>> RunAsync()
    {
        var tree = Path.Combine(work, "Documents");
        Log($"Generating {spec.Files:N0} files in {spec.Folders} folders and {spec.BigFiles} × {spec.BigFileMiB} MiB (seed {spec.Seed}) under {tree}");
        var generated = DatasetGenerator.Generate(tree, spec);
        Log($"{generated.Files:N0} files, {generated.Bytes / 1e6:N1} MB");
        var firstState = TreeManifest.Of(tree);

        await using var environment = await BenchEnvironment.StartAsync(work, paths.LocalHostDll, link);
        if (warmUpFiles > 0)
        {
            await WarmUpAsync(environment);
        }

        var backazon = new BackazonTool(paths.CliDll, Path.Combine(work, "backazon-config"));
        await backazon.EnrollAsync(environment.Api.Address, await environment.EnrollmentCodeAsync());
        List<IBackupTool> tools = [backazon, new RcloneTool(await environment.ContainerSasUrlAsync("rclone"), "rclone", work)];
        if (link is null)
        {
            // restic writes to a local folder: behind a network link it would be measured on loopback still.
            var restic = new ResticTool(work);
            await restic.InitAsync();
            tools.Add(restic);
        }

        var parallelisms = sdkParallelism ?? [SdkCopyTool.DefaultParallelism];
        foreach (var parallelism in parallelisms)
        {
            tools.Add(new SdkCopyTool(paths.BenchDll, await environment.ContainerSasUrlAsync($"sdk-copy-{parallelism}"), proxied: true, parallelism, named: parallelisms.Count > 1));
        }

        if (link is null)
        {
            // The same copy straight to Azurite: what the counting proxy itself costs (past a link it
            // would skip the link, and compare nothing).
            tools.Add(new SdkCopyTool(paths.BenchDll, environment.DirectContainerSasUrl(await environment.ContainerSasUrlAsync("sdk-direct")), proxied: false, parallelisms.Max()));
        }

        await StepAsync("first backup", tools, tree, environment);
        if (firstOnly)
        {
            // The step the engine's target is set on, alone: a quarter of the full run's time.
            return _results;
        }

        // --no-edits: the first backup and the restore of it (a tree without big files has
        // nothing for the big-file edits to change).
        if (!noEdits)
        {
            await StepAsync("unchanged rerun", tools.Where(t => t.Incremental), tree, environment);
            for (var i = 0; i < Mutation.All.Count; i++)
            {
                Mutation.All[i].Apply(tree, spec, i + 1);
                await StepAsync(Mutation.All[i].Name, tools.Where(t => t.Incremental), tree, environment);
            }
        }

        var finalState = TreeManifest.Of(tree);
        foreach (var tool in tools)
        {
            // The plain copy was made of the first state and never updated: it is checked against that.
            await RestoreAsync(tool, tree, tool.Incremental ? finalState : firstState, environment);
        }

        return _results;
    }

    /// <summary>
    /// A backup of other files, to another account, through the same backend and Azurite before
    /// anything is measured: a backend in service has compiled its code and Azurite its scripts
    /// long before a customer's backup, where a fresh process spends seconds of CPU doing so
    /// during the first step (over 11,000 methods compiled by the backend in a 2,000-file one).
    /// </summary>
    private async Task WarmUpAsync(BenchEnvironment environment)
    {
        var tree = Path.Combine(work, "warm-up", "Documents");
        DatasetGenerator.Generate(tree, new DatasetSpec(Files: warmUpFiles, Folders: Math.Max(1, warmUpFiles / 20), BigFiles: 0, Seed: spec.Seed + 1));
        var warmUp = new BackazonTool(paths.CliDll, Path.Combine(work, "warm-up", "backazon-config"));
        await warmUp.EnrollAsync(environment.Api.Address, await environment.EnrollmentCodeAsync());
        var run = await warmUp.BackupAsync(tree);
        Log($"warm-up: {warmUpFiles:N0} files backed up in {run.Wall.TotalSeconds:F1} s, to another account (not measured)");
    }

    private async Task StepAsync(string step, IEnumerable<IBackupTool> tools, string tree, BenchEnvironment environment)
    {
        var stats = DatasetStats.Of(tree);
        foreach (var tool in tools)
        {
            Log($"{step}: {tool.Name}");
            var result = await MeasureAsync(step, tool, stats, environment, () => tool.BackupAsync(tree));
            _results.Add(result with { Note = tool is BackazonTool ? BackazonNote(result.Run) : "" });
        }
    }

    private async Task RestoreAsync(IBackupTool tool, string tree, TreeManifest expected, BenchEnvironment environment)
    {
        var target = Path.Combine(work, "restored", tool.Name.Replace(' ', '-'));
        Directory.CreateDirectory(target);
        Log($"full restore: {tool.Name}");
        string restored = target;
        var result = await MeasureAsync(RestoreStep, tool, new DatasetStats(expected.Count, 0), environment, async () =>
        {
            (var run, restored) = await tool.RestoreAsync(tree, target);
            return run;
        });
        var tally = DatasetStats.Of(restored);
        _results.Add(result with { Tree = tally, Note = expected.Compare(restored) });
        Directory.Delete(target, recursive: true); // keep the disk for the next tool
    }

    private static async Task<StepResult> MeasureAsync(
        string step, IBackupTool tool, DatasetStats stats, BenchEnvironment environment, Func<Task<ProcessRun>> action)
    {
        var (clientBefore, backendBefore) = environment.Traffic();
        var storedBefore = tool.LocalStoredBytes();
        var kindsBefore = environment.BackendRequestKinds();
        var cpuBefore = environment.ServerCpuSoFar();
        var run = await action();
        var cpuAfter = environment.ServerCpuSoFar();
        var cpu = new ServerCpuTime(cpuAfter.Backend - cpuBefore.Backend, cpuAfter.Azurite - cpuBefore.Azurite);
        var (clientAfter, backendAfter) = environment.Traffic();
        var client = clientAfter - clientBefore;
        var kinds = environment.BackendRequestKinds()
            .Select(k => (k.Key, Count: k.Value - kindsBefore.GetValueOrDefault(k.Key)))
            .Where(k => k.Count > 0).OrderByDescending(k => k.Count);
        Log($"  server CPU: backend {cpu.Backend.TotalSeconds:F1} s, Azurite {cpu.Azurite.TotalSeconds:F1} s; backend requests: {string.Join(", ", kinds.Select(k => $"{k.Key} {k.Count:N0}"))}");
        var stored = tool.LocalStoredBytes() - storedBefore;
        Log($"  {run.Wall.TotalSeconds:F1} s, {client.Requests:N0} requests, {client.BytesSent / 1e6:N1} MB sent{(stored is null ? "" : $", repository +{stored / 1e6:N1} MB")}");
        var seen = tool.Proxied && stored is null;
        // A local repository's growth stands in for bytes sent; it makes no requests.
        return new StepResult(step, tool.Name, stats, run, stored ?? (seen ? client.BytesSent : null), seen ? client.BytesReceived : null,
            seen ? client.Requests : null, backendAfter - backendBefore, cpu, "");
    }

    /// <summary>The CLI's own account of the run (its JSON summary), beside the proxy's.</summary>
    private static string BackazonNote(ProcessRun run)
    {
        var summaries = BackazonTool.Summaries(run);
        if (summaries.Count == 0)
        {
            return "";
        }

        int Sum(string field) => summaries.Sum(s => s[field]?.GetValue<int>() ?? 0);
        var skipped = summaries[^1]["skipped"]?.AsArray().Count ?? 0;
        return $"{Sum("filesSent")} files sent, {Sum("cataloged")} cataloged{(skipped > 0 ? $", {skipped} skipped" : "")}" +
            (summaries.Count > 1 ? $" ({summaries.Count} runs: the catalog took longer than the CLI waits)" : "");
    }

    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}

/// <summary>Where the built programs are: each project's own output folder, same configuration.</summary>
public sealed record BenchPaths(string BenchDll, string CliDll, string LocalHostDll)
{
    public static BenchPaths FromThisProgram()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Name;
        var bin = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", ".."));
        return new BenchPaths(
            Path.Combine(AppContext.BaseDirectory, "Backazon.Bench.dll"),
            Path.Combine(bin, "Backazon.Uploader", configuration, "backazon.dll"),
            Path.Combine(bin, "Backazon.LocalHost", configuration, "Backazon.LocalHost.dll"));
    }
}

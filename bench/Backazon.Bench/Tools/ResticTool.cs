using Backazon.Bench.Measuring;

namespace Backazon.Bench.Tools;

/// <summary>
/// restic with a repository in a local folder (content-defined chunks, deduplication, compression
/// in repository format 2). Nothing crosses the proxy: what it "sends" is what its repository grows by.
/// </summary>
public sealed class ResticTool(string work) : IBackupTool
{
    private readonly string _repository = Path.Combine(work, "restic-repo");

    public string Name => "restic";
    public bool Incremental => true;

    public async Task InitAsync()
    {
        var run = await ResticAsync("init");
        if (run.ExitCode != 0)
        {
            throw new ToolFailedException(Name, run);
        }
    }

    public async Task<ProcessRun> BackupAsync(string tree)
    {
        var run = await ResticAsync("backup", "--quiet", tree);
        return run.ExitCode == 0 ? run : throw new ToolFailedException(Name, run);
    }

    public async Task<(ProcessRun Run, string RestoredTree)> RestoreAsync(string tree, string target)
    {
        var run = await ResticAsync("restore", "latest", "--quiet", "--target", target);
        // restic restores a snapshot's absolute paths under the target.
        return run.ExitCode == 0 ? (run, Path.Join(target, tree)) : throw new ToolFailedException(Name, run);
    }

    public long? LocalStoredBytes() =>
        Directory.Exists(_repository) ? Directory.EnumerateFiles(_repository, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) : 0;

    private Task<ProcessRun> ResticAsync(params string[] arguments) =>
        MeasuredProcess.RunAsync("restic", arguments, new Dictionary<string, string>
        {
            ["RESTIC_REPOSITORY"] = _repository,
            ["RESTIC_PASSWORD"] = "bench", // a throwaway repository
            ["RESTIC_CACHE_DIR"] = Path.Combine(work, "restic-cache"),
        });
}

using Backazon.Bench.Measuring;

namespace Backazon.Bench.Tools;

/// <summary>
/// rclone with its defaults (4 transfers, size and modification time to spot changes), syncing
/// the tree to a container on the same Azurite. It reaches Azurite through a container SAS URL:
/// its emulator mode is broken in the Debian package (1.60).
/// </summary>
public sealed class RcloneTool(Uri containerSasUrl, string container, string work) : IBackupTool
{
    public string Name => "rclone";
    public bool Incremental => true;

    public async Task<ProcessRun> BackupAsync(string tree)
    {
        var run = await RcloneAsync("sync", tree, $"bench:{container}");
        return run.ExitCode == 0 ? run : throw new ToolFailedException(Name, run);
    }

    public async Task<(ProcessRun Run, string RestoredTree)> RestoreAsync(string tree, string target)
    {
        var run = await RcloneAsync("copy", $"bench:{container}", target);
        return run.ExitCode == 0 ? (run, target) : throw new ToolFailedException(Name, run);
    }

    private Task<ProcessRun> RcloneAsync(params string[] arguments) =>
        MeasuredProcess.RunAsync("rclone", arguments, new Dictionary<string, string>
        {
            // A remote defined in the environment: no config file to write or leak.
            ["RCLONE_CONFIG"] = Path.Combine(work, "rclone.conf"),
            ["RCLONE_CONFIG_BENCH_TYPE"] = "azureblob",
            ["RCLONE_CONFIG_BENCH_SAS_URL"] = containerSasUrl.ToString(),
        });
}

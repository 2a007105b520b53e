using Backazon.Bench.Measuring;

namespace Backazon.Bench.Tools;

/// <summary>One tool under comparison, run as its own process on the bench's tree.</summary>
public interface IBackupTool
{
    string Name { get; }

    /// <summary>False for a plain copy, which has no idea what changed: it takes part in the
    /// first backup and the restore only.</summary>
    bool Incremental { get; }

    Task<ProcessRun> BackupAsync(string tree);

    /// <summary>Restores everything under <paramref name="target"/>; returns where the tree's
    /// top folder landed.</summary>
    Task<(ProcessRun Run, string RestoredTree)> RestoreAsync(string tree, string target);

    /// <summary>Bytes the tool has stored where the proxy cannot see them (a local repository),
    /// or null when everything it stores goes over the wire.</summary>
    long? LocalStoredBytes() => null;

    /// <summary>False for a reference run that bypasses the counting proxy.</summary>
    bool Proxied => true;
}

/// <summary>A tool's command failed: the benchmark stops rather than report a broken run.</summary>
public sealed class ToolFailedException(string tool, ProcessRun run)
    : Exception($"{tool} exited with {run.ExitCode}: {run.Error.Trim()} {Tail(run.Output)}")
{
    private static string Tail(string output) => output.Length > 2000 ? output[^2000..] : output;
}

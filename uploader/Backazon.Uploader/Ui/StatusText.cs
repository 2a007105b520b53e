using Backazon.Contracts;
using Backazon.Uploader.Agent;
using Backazon.Uploader.Configuration;

namespace Backazon.Uploader.Ui;

/// <summary>The local half of "backazon status" for a person: the backups of this machine.</summary>
public static class StatusText
{
    private static string LastBackup(StatusReport r)
    {
        if (r.LastSuccessfulBackupAt is not { } ok)
        {
            return "no complete backup yet";
        }

        // A backup of folders named by hand, newer than the configured one: say which folders.
        return r.LastRun is { LastCompleteAt: { } at, LastCompleteFolders: { Count: > 0 } folders } && at == ok && r.LastRun.LastSuccessAt != at
            ? $"last complete backup started {Times.Local(ok)}, of {string.Join(", ", folders.Select(HomePath.Shorten))}"
            : "last complete backup started " + Times.Local(ok);
    }

    public static string Describe(StatusReport r)
    {
        var agent = r.Agent;
        var lines = new List<string>
        {
            $"Backups:  {LastBackup(r)}",
            "Agent:    " + (!agent.Running ? "not running ('backazon install' runs it in the background)"
                : agent.Paused ? $"paused{(agent.PausedUntil is { } until ? " until " + Times.Local(until) : " until 'backazon resume'")} (pid {agent.Pid})"
                : agent.RunningSince is { } since ? $"backing up since {Times.Local(since)} (pid {agent.Pid})"
                : $"running (pid {agent.Pid})"),
            "Next run: " + (r.NextRunAt is { } next ? Times.Local(next) : agent.Running ? "when resumed" : "none scheduled"),
        };
        if (r.LastRun is { } last)
        {
            lines.Add($"Last run: {last.Outcome} at {Times.Local(last.FinishedAt)}: {last.New} new, {last.Changed} changed, {last.Deleted} deleted, " +
                $"{last.Skipped} skipped, {ByteSizes.Format(last.BytesSent)} sent");
        }

        if (r.Pending.Files > 0)
        {
            lines.Add($"Pending:  {r.Pending.Files:N0} file(s), {ByteSizes.Format(r.Pending.Bytes)}");
        }

        if (r.Quota is { } quota)
        {
            lines.Add($"Quota:    {ByteSizes.Format(quota.UsedBytes)} used of {ByteSizes.Format(quota.TotalBytes)}");
        }

        if (r.ServerError is { } error)
        {
            lines.Add($"Server:   {error}");
        }

        if (r.LastErrors.Count > 0)
        {
            lines.Add("Problems:");
            lines.AddRange(r.LastErrors.Select(e => $"  {Times.Local(e.At)}  {e.Message}"));
        }

        lines.Add($"Logs:     {r.LogFolder}");
        return string.Join(Environment.NewLine, lines);
    }
}

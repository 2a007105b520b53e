using Backazon.Contracts;
using Backazon.Uploader.Uploading;
using Microsoft.Extensions.Logging;

namespace Backazon.Uploader.Agent;

/// <summary>
/// How a run the agent started shows itself: in the agent's log (phases, skipped files, the
/// summary) and, every few seconds, in what "status" reads as pending (planned, not yet done);
/// also passed on to a view of its own when the agent was asked for one (agent --json).
/// </summary>
public sealed class AgentProgress(ILogger logger, Action<int, long> pending, TimeProvider clock, IBackupProgress? view = null) : IBackupProgress
{
    private static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(5);
    private long _plannedBytes, _doneBytes;
    private int _plannedFiles, _doneFiles;
    private long _lastReport;

    public void Phase(string name)
    {
        logger.LogInformation("{Phase}", name);
        view?.Phase(name);
    }

    public void Planned(int files, long bytes)
    {
        Interlocked.Add(ref _plannedFiles, files);
        Interlocked.Add(ref _plannedBytes, bytes);
        view?.Planned(files, bytes);
        Report();
    }

    public void Hashed(long bytes) => view?.Hashed(bytes);

    public void NotToRead(long bytes) => view?.NotToRead(bytes);

    public void NotToSend(long bytes) => view?.NotToSend(bytes);

    public void Committed(int entries) => view?.Committed(entries);

    public void Checked(int entries) => view?.Checked(entries);

    public void Sent(long bytes)
    {
        view?.Sent(bytes);
        Report();
    }

    public void FileDone(long bytes)
    {
        Interlocked.Increment(ref _doneFiles);
        Interlocked.Add(ref _doneBytes, bytes);
        view?.FileDone(bytes);
        Report();
    }

    public void Skipped(string path, string reason)
    {
        Interlocked.Increment(ref _doneFiles);
        logger.LogWarning("Skipped {Path}: {Reason}", path, reason);
        view?.Skipped(path, reason);
    }

    public void Finished(BackupSummary summary)
    {
        view?.Finished(summary);
        logger.LogInformation("Backup {Outcome} in {Seconds:0.0} s: {New} new, {Changed} changed, {Deleted} deleted, {Skipped} skipped; {Sent} sent",
            summary.Complete ? "complete" : "completed with files skipped", (summary.FinishedAt - summary.StartedAt).TotalSeconds,
            summary.New, summary.Changed, summary.Deleted, summary.Skipped.Count, ByteSizes.Format(summary.BytesSent));
    }

    private void Report()
    {
        var now = clock.GetTimestamp();
        var last = Interlocked.Read(ref _lastReport);
        if (last != 0 && clock.GetElapsedTime(last, now) < ReportEvery || Interlocked.CompareExchange(ref _lastReport, now, last) != last)
        {
            return;
        }

        pending(Math.Max(0, Volatile.Read(ref _plannedFiles) - Volatile.Read(ref _doneFiles)),
            Math.Max(0, Interlocked.Read(ref _plannedBytes) - Interlocked.Read(ref _doneBytes)));
    }
}

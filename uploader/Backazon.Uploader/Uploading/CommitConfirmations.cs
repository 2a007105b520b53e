using System.Collections.Concurrent;
using Backazon.Contracts;
using Backazon.Uploader.Api;
using Backazon.Uploader.Index;

namespace Backazon.Uploader.Uploading;

/// <summary>
/// Follows commits until the backend has cataloged them, while the rest of the backup goes on:
/// each confirmed commit turns its index rows committed (or dirty, for files the backend
/// rejected), so progress survives a kill batch by batch. Polls gently while the backup goes on
/// (one status request per open commit, at most every two seconds), briskly once only waiting.
/// </summary>
public sealed class CommitConfirmations(BackazonClient api, LocalIndex index, IBackupProgress progress, RunState run, TimeProvider clock)
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan DrainQuickStep = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan DrainQuickFor = TimeSpan.FromSeconds(15);

    private const string FailedCommitReason = "the server could not catalog it; it is sent again next run";

    private readonly ConcurrentDictionary<string, SentCommit?> _open = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _added = new(0);

    /// <summary>Commits accepted and not confirmed yet.</summary>
    public IReadOnlySet<string> Open => _open.Keys.ToHashSet(StringComparer.Ordinal);

    /// <summary>Follows a commit: one this run sent (<paramref name="sent"/> says what it holds, so
    /// the server's check counts the same changes as the progress and the summary), or one an
    /// earlier run left open (null: none of this run's counts holds it).</summary>
    public void Add(string commitId, SentCommit? sent = null)
    {
        _open[commitId] = sent;
        _added.Release();
    }

    /// <summary>Polls until <paramref name="stop"/> is cancelled (then returns quietly: the
    /// final wait picks up whatever is still open).</summary>
    public async Task FollowAsync(CancellationToken stop)
    {
        try
        {
            var delay = FirstDelay;
            while (true)
            {
                if (_open.IsEmpty)
                {
                    await _added.WaitAsync(stop);
                    delay = FirstDelay;
                }

                if (await PollOnceAsync(stop) > 0)
                {
                    delay = FirstDelay;
                }

                await Task.Delay(delay, clock, stop);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Waits until every open commit is confirmed or <paramref name="limit"/> passes;
    /// true when none is left open.</summary>
    public async Task<bool> DrainAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        var started = clock.GetUtcNow();
        var deadline = started + limit;
        while (!_open.IsEmpty)
        {
            await PollOnceAsync(cancellationToken);
            var now = clock.GetUtcNow();
            if (_open.IsEmpty || now > deadline)
            {
                break;
            }

            // The run is only waiting now: the last commits usually settle within seconds, so ask
            // often at first (a doubling delay would add up to its last step to every run).
            await Task.Delay(now - started < DrainQuickFor ? DrainQuickStep : MaxDelay, clock, cancellationToken);
        }

        return _open.IsEmpty;
    }

    /// <summary>Asks once about each open commit; returns how many were settled.</summary>
    /// <param name="strict">Let a failed question fail the call: before a run plans, a commit
    /// whose fate is unknown must not pass for one the backend is still cataloging (its files
    /// would be left to it, and the run could end "complete" having sent nothing).</param>
    public async Task<int> PollOnceAsync(CancellationToken cancellationToken, bool strict = false)
    {
        var settled = 0;
        foreach (var commitId in _open.Keys.ToList())
        {
            CommitStatus status;
            try
            {
                status = await api.CommitStatusAsync(commitId, cancellationToken);
            }
            catch (BackazonApiException e) when (e.Status == 404)
            {
                // Unknown to the backend (the request never arrived): its rows stay pending, and
                // pending rows are planned again on the next run.
                _open.TryRemove(commitId, out _);
                continue;
            }
            catch (BackazonApiException e) when (!strict && e.Status is (null or >= 500))
            {
                // The server or the way to it failed this once: the commit landed all the same
                // and is asked about again (here, or by the next run), so a failed question
                // never fails a run whose commits were accepted.
                continue;
            }

            if (status.State == CommitStates.Failed)
            {
                // Nothing of it was cataloged, and the backend tries no more: its files go again.
                Settle(commitId, index.FailCommit(commitId).Select(path => (path, FailedCommitReason)));
                settled++;
                continue;
            }

            if (status.State != CommitStates.Cataloged)
            {
                continue;
            }

            index.ConfirmCommit(commitId, status.Rejected.Select(r => r.Path).ToList());
            // (The backend's count holds the folder times a commit carries; the run counts files.)
            run.AddCataloged(status.Cataloged);
            Settle(commitId, status.Rejected.Select(r => (r.Path, r.Reason)));
            settled++;
        }

        return settled;
    }

    /// <summary>A commit is settled: what it could not take is skipped (and, if this run counted
    /// it as new, changed or deleted, counted so no more), and its changes are checked.</summary>
    private void Settle(string commitId, IEnumerable<(string Path, string Reason)> notTaken)
    {
        _open.TryRemove(commitId, out var sent);
        foreach (var (path, reason) in notTaken)
        {
            if (sent?.Kinds.TryGetValue(path, out var kind) == true)
            {
                run.Uncount(kind);
            }

            run.Skip(path, reason);
            progress.Skipped(path, reason);
        }

        if (sent is not null)
        {
            progress.Checked(sent.Kinds.Count);
        }
    }
}

/// <summary>What a commit this run sent holds: each path it changes, with how the run counted it
/// (new, changed, deleted). Folder times ride along uncounted.</summary>
public sealed record SentCommit(IReadOnlyDictionary<string, Planning.ChangeKind> Kinds);

/// <summary>What a run has done so far, shared by its stages.</summary>
public sealed class RunState
{
    private readonly ConcurrentDictionary<string, string> _skipped = new(StringComparer.Ordinal);
    private long _hashed, _sent;
    private int _filesSent, _cataloged;
    private readonly int[] _uncounted = new int[3];

    public long BytesHashed => Interlocked.Read(ref _hashed);
    public long BytesSent => Interlocked.Read(ref _sent);
    public int FilesSent => _filesSent;
    public int Cataloged => _cataloged;

    public void AddHashed(long bytes) => Interlocked.Add(ref _hashed, bytes);
    public void AddSent(long bytes) => Interlocked.Add(ref _sent, bytes);
    public void AddFileSent() => Interlocked.Increment(ref _filesSent);
    public void AddCataloged(int count) => Interlocked.Add(ref _cataloged, count);

    public void Skip(string path, string reason) => _skipped[path] = reason;

    /// <summary>A planned change was not taken after all (skipped, rejected, its commit failed):
    /// the summary does not count it as new, changed or deleted.</summary>
    public void Uncount(Planning.ChangeKind kind) => Interlocked.Increment(ref _uncounted[(int)kind]);

    public int SkippedNew => Volatile.Read(ref _uncounted[(int)Planning.ChangeKind.New]);

    public int SkippedChanged => Volatile.Read(ref _uncounted[(int)Planning.ChangeKind.Changed]);

    public int SkippedDeleted => Volatile.Read(ref _uncounted[(int)Planning.ChangeKind.Deleted]);

    public IReadOnlyList<SkippedFile> Skipped =>
        _skipped.Select(s => new SkippedFile(s.Key, s.Value)).OrderBy(s => s.Path, StringComparer.Ordinal).ToList();
}

using System.Collections.Concurrent;
using Azure;
using Backazon.Contracts;
using Backazon.Uploader.Api;
using Backazon.Uploader.Index;
using Backazon.Uploader.Planning;
using Backazon.Uploader.Scanning;

namespace Backazon.Uploader.Uploading;

/// <summary>
/// One backup run, in the order the data flows: confirm what earlier runs sent, scan and plan
/// against the local index, hash what changed, ask for grants, send the bytes straight to
/// storage, commit, wait for the catalog, report. The local index marks a file backed up only
/// once the backend says it is cataloged, so a crash anywhere means "send again", never "lost".
/// </summary>
public sealed class BackupRunner(BackazonClient api, LocalIndex index, BlobSender sender, IBackupProgress progress, BackupOptions options, TimeProvider clock)
{
    public async Task<BackupSummary> RunAsync(IReadOnlyList<string> roots, CancellationToken cancellationToken = default)
    {
        var startedAt = clock.GetUtcNow();
        var skipped = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        // What the last run left cataloging: wait for it (within the usual limit) rather than send
        // it all again while the backend is still on it. No pending commits: no request at all.
        var cataloged = await ConfirmPendingAsync(index.PendingCommitIds(), skipped, wait: true, cancellationToken);

        progress.Phase("Scanning");
        var plans = roots.Select(root => PlanRoot(Path.GetFullPath(root), skipped)).ToList();
        var toSend = plans.SelectMany(p => p.ToSend).ToList();
        var deleted = plans.SelectMany(p => p.Deleted).ToList();
        var previous = plans.SelectMany(p => p.Changed).ToDictionary(c => c.Current.CatalogPath, c => c.Previous, StringComparer.Ordinal);
        var files = toSend.Where(e => e.Kind == EntryKind.File).ToList();
        progress.Planned(files.Count, files.Sum(f => f.Size));

        long hashed = 0, sentBytes = 0;
        var filesSent = 0;
        var waited = true;
        if (toSend.Count > 0 || deleted.Count > 0)
        {
            progress.Phase("Hashing");
            var digests = await HashAsync(files, previous, skipped, b => { Interlocked.Add(ref hashed, b); progress.Hashed(b); }, cancellationToken);

            progress.Phase("Uploading");
            var (ready, sent) = await SendAsync(files, digests, skipped, b => { Interlocked.Add(ref sentBytes, b); progress.Sent(b); }, cancellationToken);
            filesSent = sent;

            var changes = ready.Select(e => new FileChange(e.CatalogPath, EntryKinds.File, digests[e].Size, digests[e].Hash, digests[e].ModifiedAt, null))
                .Concat(toSend.Where(e => e.Kind == EntryKind.Symlink).Select(e => new FileChange(e.CatalogPath, EntryKinds.Symlink, 0, null, e.ModifiedAt, e.LinkTarget)))
                .Concat(deleted.Select(path => new FileChange(path, EntryKinds.Deleted, 0, null, null, null)))
                .ToList();

            progress.Phase("Cataloging");
            var commitIds = await CommitAsync(changes, cancellationToken);
            var confirmed = await ConfirmPendingAsync(commitIds, skipped, wait: true, cancellationToken);
            cataloged += confirmed;
            waited = index.PendingCommitIds().Count == 0;
        }

        var summary = new BackupSummary(
            startedAt,
            clock.GetUtcNow(),
            plans.Sum(p => p.New.Count),
            plans.Sum(p => p.Changed.Count),
            plans.Sum(p => p.Unchanged),
            deleted.Count,
            skipped.Select(s => new SkippedFile(s.Key, s.Value)).OrderBy(s => s.Path, StringComparer.Ordinal).ToList(),
            sentBytes,
            hashed,
            filesSent,
            cataloged,
            waited);
        await api.ReportRunAsync(new RunReport(summary.StartedAt, summary.FinishedAt, summary.New, summary.Changed, summary.Unchanged,
            summary.Deleted, summary.Skipped.Count, summary.BytesSent, summary.Complete && waited), cancellationToken);
        progress.Finished(summary);
        return summary;
    }

    private BackupPlan PlanRoot(string root, ConcurrentDictionary<string, string> skipped)
    {
        var unreadable = new List<string>();
        var scanner = new TreeScanner(new ExclusionRules(options.PatternsFor(root)), (path, reason) =>
        {
            skipped[path] = reason;
            progress.Skipped(path, reason);
            unreadable.Add(CatalogPath.FromLocal(path));
        });
        return new ChangePlanner(index).Plan(CatalogPath.FromLocal(root), scanner.Scan(root), unreadable);
    }

    /// <summary>Hashes what changed; a file whose size and time still match a row that only lacked
    /// its confirmation keeps the hash it had.</summary>
    private async Task<ConcurrentDictionary<ScannedEntry, FileDigest>> HashAsync(
        List<ScannedEntry> files, Dictionary<string, IndexedFile> previous, ConcurrentDictionary<string, string> skipped,
        Action<long> hashedBytes, CancellationToken cancellationToken)
    {
        var digests = new ConcurrentDictionary<ScannedEntry, FileDigest>();
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = options.HashParallelism, CancellationToken = cancellationToken }, async (entry, ct) =>
        {
            if (previous.TryGetValue(entry.CatalogPath, out var before) && before is { Kind: EntryKind.File, Hash: not null }
                && before.Size == entry.Size && before.ModifiedAt.UtcTicks == entry.ModifiedAt.UtcTicks)
            {
                digests[entry] = new FileDigest(before.Hash, before.Size, before.ModifiedAt);
                progress.FileDone();
                return;
            }

            try
            {
                digests[entry] = await ContentHasher.HashAsync(entry.LocalPath, n => hashedBytes(n), ct);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                var reason = e is FileChangedException ? "changed while it was read; it will be sent on the next run" : Reason(e);
                skipped[entry.LocalPath] = reason;
                progress.Skipped(entry.LocalPath, reason);
            }
        });
        return digests;
    }

    /// <summary>Asks for grants (one per distinct content) and sends what the backend lacks.
    /// Returns the files whose content is now stored or sent, and how many uploads were made.</summary>
    private async Task<(List<ScannedEntry> Ready, int Sent)> SendAsync(
        List<ScannedEntry> files, ConcurrentDictionary<ScannedEntry, FileDigest> digests, ConcurrentDictionary<string, string> skipped,
        Action<long> sentBytes, CancellationToken cancellationToken)
    {
        var byHash = files.Where(digests.ContainsKey).GroupBy(f => digests[f].Hash).ToDictionary(g => g.Key, g => g.ToList());
        var failed = new ConcurrentDictionary<string, string>();
        var uploads = new List<(ScannedEntry Entry, UploadGrant Grant)>();
        foreach (var batch in byHash.Values.Select(g => g[0]).Chunk(BackupLimits.MaxGrantFiles))
        {
            var answer = await api.RequestGrantsAsync(new UploadGrantRequest(
                batch.Select(e => new GrantFile(e.CatalogPath, digests[e].Size, digests[e].Hash)).ToList()), cancellationToken);
            foreach (var (entry, grant) in batch.Zip(answer.Files))
            {
                switch (grant.Outcome)
                {
                    case GrantOutcomes.Upload:
                        uploads.Add((entry, grant));
                        break;
                    case GrantOutcomes.Refused:
                        failed[grant.Hash] = grant.Reason ?? "refused by the server";
                        break;
                    default:
                        foreach (var _ in byHash[grant.Hash])
                        {
                            progress.FileDone();
                        }

                        break;
                }
            }
        }

        var sent = 0;
        await Parallel.ForEachAsync(uploads, new ParallelOptions { MaxDegreeOfParallelism = options.UploadParallelism, CancellationToken = cancellationToken }, async (upload, ct) =>
        {
            var digest = digests[upload.Entry];
            try
            {
                try
                {
                    await sender.SendAsync(upload.Entry.LocalPath, new Uri(upload.Grant.UploadUrl!), digest, sentBytes, ct);
                }
                catch (RequestFailedException e) when (e.Status == 403)
                {
                    // The SAS ran out during a long upload: a renewed grant names the same staging blob.
                    var renewed = (await api.RequestGrantsAsync(new([new GrantFile(upload.Entry.CatalogPath, digest.Size, digest.Hash)]), ct)).Files[0];
                    if (renewed.Outcome == GrantOutcomes.Upload)
                    {
                        await sender.SendAsync(upload.Entry.LocalPath, new Uri(renewed.UploadUrl!), digest, sentBytes, ct);
                    }
                    else if (renewed.Outcome == GrantOutcomes.Refused)
                    {
                        failed[digest.Hash] = renewed.Reason ?? "refused by the server";
                        return;
                    }
                }

                Interlocked.Increment(ref sent);
                foreach (var _ in byHash[digest.Hash])
                {
                    progress.FileDone();
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or RequestFailedException)
            {
                failed[digest.Hash] = e is FileChangedException ? "changed while it was sent; it will be sent on the next run" : Reason(e);
            }
        });

        var ready = new List<ScannedEntry>();
        foreach (var (hash, entries) in byHash)
        {
            if (failed.TryGetValue(hash, out var reason))
            {
                entries.ForEach(e =>
                {
                    skipped[e.LocalPath] = reason;
                    progress.Skipped(e.LocalPath, reason);
                });
            }
            else
            {
                ready.AddRange(entries);
            }
        }

        return (ready, sent);
    }

    /// <summary>Commits in batches. The index learns of each change as "dirty" before the commit
    /// and as "pending" once it is accepted: it never claims more than the backend holds.</summary>
    private async Task<List<string>> CommitAsync(List<FileChange> changes, CancellationToken cancellationToken)
    {
        var commitIds = new List<string>();
        foreach (var batch in changes.Chunk(BackupLimits.MaxCommitChanges))
        {
            index.Upsert(batch.Select(c => c.Kind == EntryKinds.Deleted
                ? IndexedFile.Deletion(c.Path!)
                : new IndexedFile(c.Path!, c.Kind == EntryKinds.Symlink ? EntryKind.Symlink : EntryKind.File, c.Size, c.ModifiedAt!.Value, c.Hash, c.LinkTarget, IndexState.Dirty)));
            var commit = await api.CommitAsync(new CommitRequest(batch), cancellationToken);
            index.MarkPending(batch.Select(c => c.Path!), commit.CommitId);
            commitIds.Add(commit.CommitId);
        }

        return commitIds;
    }

    /// <summary>Asks how earlier commits ended and records it: cataloged rows become committed,
    /// rejected ones dirty (sent again next run). With <paramref name="wait"/>, polls until the
    /// catalog is done or the configured wait runs out.</summary>
    private async Task<int> ConfirmPendingAsync(IReadOnlyList<string> commitIds, ConcurrentDictionary<string, string> skipped, bool wait, CancellationToken cancellationToken)
    {
        var cataloged = 0;
        var deadline = clock.GetUtcNow() + options.CatalogWait;
        var delay = TimeSpan.FromMilliseconds(100);
        var open = commitIds.ToList();
        while (open.Count > 0)
        {
            foreach (var commitId in open.ToList())
            {
                CommitStatus status;
                try
                {
                    status = await api.CommitStatusAsync(commitId, cancellationToken);
                }
                catch (BackazonApiException e) when (e.Status == 404)
                {
                    // Unknown to the backend: its rows stay pending, and pending rows are sent again.
                    open.Remove(commitId);
                    continue;
                }

                if (status.State != CommitStates.Cataloged)
                {
                    continue;
                }

                index.ConfirmCommit(commitId, status.Rejected.Select(r => r.Path).ToList());
                foreach (var rejected in status.Rejected)
                {
                    skipped[rejected.Path] = rejected.Reason;
                    progress.Skipped(rejected.Path, rejected.Reason);
                }

                cataloged += status.Cataloged;
                open.Remove(commitId);
            }

            if (open.Count == 0 || !wait || clock.GetUtcNow() > deadline)
            {
                break;
            }

            await Task.Delay(delay, clock, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
        }

        return cataloged;
    }

    private static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        RequestFailedException r => $"storage refused the upload ({r.Status} {r.ErrorCode})",
        _ => e.Message,
    };
}

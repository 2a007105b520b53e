using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Threading.Channels;
using System.Threading.RateLimiting;
using Azure;
using Backazon.Contracts;
using Backazon.Uploader.Api;
using Backazon.Uploader.Index;
using Backazon.Uploader.Planning;
using Backazon.Uploader.Scanning;

namespace Backazon.Uploader.Uploading;

/// <summary>
/// One backup run, as a stream of batches through stages that overlap: scan and plan against the
/// local index → hash → grant, upload straight to storage, commit → confirm. Bounded channels
/// between the stages keep memory flat whatever the tree, and each batch is committed as soon as
/// its uploads finish, so the backend checks early batches while later ones are still read.
/// </summary>
/// <remarks>
/// What survives a kill: every hash is kept in the index as soon as its batch is hashed; each
/// staged block of a large upload is recorded; a commit's key is written to the index before
/// the commit is sent, and a file counts as backed up only once the backend confirms its commit.
/// So a rerun re-hashes nothing it already hashed, resends nothing already cataloged, and at
/// most re-sends the batches that were in flight. A file that cannot be taken is listed with
/// its reason and skipped; the rest goes on.
/// </remarks>
public sealed class BackupRunner(BackazonClient api, LocalIndex index, BlobSender sender, IBackupProgress progress, BackupOptions options, TimeProvider clock)
{
    private IReadOnlyList<string> _roots = [];

    public async Task<BackupSummary> RunAsync(IReadOnlyList<string> roots, CancellationToken cancellationToken = default)
    {
        _roots = [.. roots.Select(Path.GetFullPath)];
        var startedAt = clock.GetUtcNow();
        var run = new RunState();
        var counts = new PlanCounts();
        var confirmations = new CommitConfirmations(api, index, progress, run, clock);

        // What the last run left cataloging (a kill, a backend that was down): ask once how it
        // ended. What the backend still catalogs is followed, not sent again and not waited for
        // before this run starts. No pending commits: no request at all.
        foreach (var commitId in index.PendingCommitIds())
        {
            confirmations.Add(commitId);
        }

        await confirmations.PollOnceAsync(cancellationToken, strict: true);
        var openCommits = confirmations.Open;

        progress.Phase("Backing up");
        index.BeginScan();
        var toHash = Channel.CreateBounded<Batch>(1);
        var toSend = Channel.CreateBounded<Batch>(1);
        using var stages = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var following = new CancellationTokenSource();
        var follow = confirmations.FollowAsync(following.Token);
        var uploads = new ConcurrentDictionary<string, Lazy<Task<string?>>>(StringComparer.Ordinal);
        Task[] running =
        [
            Stage(() => PlanAsync(roots, counts, openCommits, run, toHash.Writer, stages.Token), toHash.Writer, stages),
            Stage(() => HashAsync(toHash.Reader, toSend.Writer, run, stages.Token), toSend.Writer, stages),
            Stage(() => SendAsync(toSend.Reader, uploads, confirmations, run, stages.Token), null, stages),
        ];
        try
        {
            await Task.WhenAll(running);
        }
        catch when (!cancellationToken.IsCancellationRequested)
        {
            // One stage failed and stopped the others: report its error, not their cancellation.
            var first = running.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions).FirstOrDefault(e => e is not OperationCanceledException);
            if (first is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
            }

            throw;
        }
        finally
        {
            following.Cancel();
            await follow;
        }

        progress.Phase("Cataloging");
        var waited = await confirmations.DrainAsync(options.CatalogWait, cancellationToken);

        var summary = new BackupSummary(
            startedAt,
            clock.GetUtcNow(),
            counts.New - run.SkippedNew,
            counts.Changed - run.SkippedChanged,
            counts.Unchanged,
            counts.Deleted - run.SkippedDeleted,
            run.Skipped,
            run.BytesSent,
            run.BytesHashed,
            run.FilesSent,
            run.Cataloged,
            waited,
            counts.NowExcluded);
        await api.ReportRunAsync(new RunReport(summary.StartedAt, summary.FinishedAt, summary.New, summary.Changed, summary.Unchanged,
            summary.Deleted, summary.Skipped.Count, summary.BytesSent, summary.Complete && waited), cancellationToken);
        return summary;
    }

    /// <summary>
    /// Scans and plans as a backup would — through the same batches — and sends, hashes and
    /// records nothing: what a backup would do now. Memory stays flat whatever the tree.
    /// </summary>
    public DryRunSummary DryRun(IReadOnlyList<string> roots)
    {
        var counts = new PlanCounts();
        var run = new RunState();
        long bytes = 0;
        var batches = 0;
        index.BeginScan();
        foreach (var batch in PlanBatches(roots, counts, new HashSet<string>(), run))
        {
            batches++;
            bytes += batch.FileBytes;
        }

        return new DryRunSummary(counts.New, counts.Changed, counts.Unchanged, counts.Deleted, bytes, batches, run.Skipped);
    }

    /// <summary>Runs one stage; when it ends, its output ends too, and when it fails the other
    /// stages stop rather than wait on a channel nobody fills or drains.</summary>
    private static async Task Stage(Func<Task> body, ChannelWriter<Batch>? output, CancellationTokenSource all)
    {
        try
        {
            await Task.Run(body);
            output?.TryComplete();
        }
        catch (Exception e)
        {
            output?.TryComplete(e);
            await all.CancelAsync();
            throw;
        }
    }

    private async Task PlanAsync(IReadOnlyList<string> roots, PlanCounts counts, IReadOnlySet<string> openCommits, RunState run,
        ChannelWriter<Batch> output, CancellationToken cancellationToken)
    {
        foreach (var batch in PlanBatches(roots, counts, openCommits, run))
        {
            await PublishAsync(batch, output, cancellationToken);
        }
    }

    /// <summary>Scans each root, plans against the index and closes batches, as a stream: what
    /// both a backup and a dry run go through.</summary>
    private IEnumerable<Batch> PlanBatches(IReadOnlyList<string> roots, PlanCounts counts, IReadOnlySet<string> openCommits, RunState run)
    {
        var batches = new BatchBuilder(options);
        foreach (var root in roots.Select(Path.GetFullPath))
        {
            var unreadable = new List<string>();
            var rules = new ExclusionRules(options.PatternsFor(root));
            var rootKey = CatalogPath.FromLocal(root);
            var scanner = new TreeScanner(rules, (path, reason) =>
            {
                run.Skip(path, reason);
                progress.Skipped(path, reason);
                unreadable.Add(CatalogPath.FromLocal(path));
            });
            foreach (var change in new ChangePlanner(index).Plan(rootKey, scanner.Scan(root), unreadable, counts, openCommits))
            {
                // An exclusion added since the last run hides files that are still there: they
                // leave the backup as deleted ones do, and the summary says so.
                if (change.Kind == ChangeKind.Deleted && change.CatalogPath.Length > rootKey.Length
                    && rules.IsExcluded(change.CatalogPath[rootKey.Length..].TrimStart('/'), isDirectory: false))
                {
                    counts.NowExcluded++;
                }

                foreach (var batch in batches.Add(change))
                {
                    yield return batch;
                }
            }
        }

        if (batches.Flush() is { } last)
        {
            yield return last;
        }
    }

    private async Task PublishAsync(Batch batch, ChannelWriter<Batch> output, CancellationToken cancellationToken)
    {
        // Every change counts, links and deletions too, as the summary and the server's check count them.
        progress.Planned(batch.Changes, batch.FileBytes);
        await output.WriteAsync(batch, cancellationToken);
    }

    /// <summary>Hashes a batch's files (a few at a time) and keeps every hash in the index at
    /// once. A file whose size, time, change time and inode still match a row that only lacked
    /// its confirmation keeps the hash it had: a rerun after a kill hashes nothing twice. Without
    /// a stamp to compare (Windows, macOS, an old row) the file is read again: a hash is reused
    /// only when nothing can have changed since it was taken.</summary>
    private async Task HashAsync(ChannelReader<Batch> input, ChannelWriter<Batch> output, RunState run, CancellationToken cancellationToken)
    {
        var credentialsChecked = false;
        await foreach (var batch in input.ReadAllAsync(cancellationToken))
        {
            if (!credentialsChecked && batch.Files.Count > 0)
            {
                // Hashing is the long part of a run: a revoked device is told before it reads a
                // file, not after. A run that sends nothing asks nothing.
                await api.DeviceStatusAsync(cancellationToken);
                credentialsChecked = true;
            }

            await Parallel.ForEachAsync(batch.Files, new ParallelOptions { MaxDegreeOfParallelism = options.HashParallelism, CancellationToken = cancellationToken }, async (file, ct) =>
            {
                var entry = file.Entry;
                // (Not for chunked sizes: their grant needs the chunks, which only a read gives.)
                if (file.Change.Previous is { Kind: EntryKind.File, Hash: not null, Stamp: not null } before
                    && before.Size == entry.Size && before.ModifiedAt.UtcTicks == entry.ModifiedAt.UtcTicks && before.Stamp == entry.Stamp
                    && !BackupLimits.IsChunked(before.Size))
                {
                    file.Digest = new FileDigest(before.Hash, before.Size, before.ModifiedAt, Stamp: before.Stamp);
                    progress.NotToRead(entry.Size);
                    return;
                }

                long readOfThisFile = 0;
                try
                {
                    file.Digest = await ContentHasher.HashAsync(entry.LocalPath, n => { Interlocked.Add(ref readOfThisFile, n); run.AddHashed(n); progress.Hashed(n); }, ct);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // What was not read of it need not be: "read" still ends at its total.
                    progress.NotToRead(Math.Max(0, entry.Size - Interlocked.Read(ref readOfThisFile)));
                    Fail(file, e is FileChangedException ? "changed while it was read; it will be sent on the next run" : Reason(e), run);
                }
            });

            index.Upsert(batch.Files.Where(f => f.Ready).Select(f =>
                new IndexedFile(f.Entry.CatalogPath, EntryKind.File, f.Digest!.Size, f.Digest.ModifiedAt, f.Digest.Hash, null, IndexState.Dirty, Stamp: f.Digest.Stamp)));
            await output.WriteAsync(batch, cancellationToken);
        }
    }

    /// <summary>Sends and commits batches, a few at once; large files go through a lane of their
    /// own, so small files keep every slot of theirs while a big upload runs.</summary>
    private async Task SendAsync(ChannelReader<Batch> input, ConcurrentDictionary<string, Lazy<Task<string?>>> uploads,
        CommitConfirmations confirmations, RunState run, CancellationToken cancellationToken)
    {
        var small = Channel.CreateBounded<Batch>(1);
        var large = Channel.CreateBounded<Batch>(1);
        using var slots = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = options.UploadParallelism, QueueLimit = int.MaxValue });
        // A lane that fails stops the router too, rather than leave it waiting on a full lane.
        using var lanes = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await Task.WhenAll(
            RouteAsync(lanes.Token),
            Lane(small.Reader, options.BatchesInFlight),
            Lane(large.Reader, options.LargeFilesInFlight));

        async Task RouteAsync(CancellationToken ct)
        {
            try
            {
                await foreach (var batch in input.ReadAllAsync(ct))
                {
                    await (batch.IsLargeFile ? large : small).Writer.WriteAsync(batch, ct);
                }
            }
            finally
            {
                small.Writer.TryComplete();
                large.Writer.TryComplete();
            }
        }

        async Task Lane(ChannelReader<Batch> batches, int inFlight)
        {
            try
            {
                await Parallel.ForEachAsync(batches.ReadAllAsync(cancellationToken),
                    new ParallelOptions { MaxDegreeOfParallelism = inFlight, CancellationToken = cancellationToken },
                    async (batch, ct) =>
                    {
                        await UploadAsync(batch, uploads, slots, run, ct);
                        await CommitAsync(batch, confirmations, ct);
                    });
            }
            catch
            {
                await lanes.CancelAsync();
                throw;
            }
        }
    }

    /// <summary>Asks for the batch's grants just before its uploads (so no SAS waits in a queue),
    /// then sends what the backend lacks. Content another batch of this run is already sending
    /// is waited for, not sent twice.</summary>
    private async Task UploadAsync(Batch batch, ConcurrentDictionary<string, Lazy<Task<string?>>> uploads, ConcurrencyLimiter slots, RunState run, CancellationToken cancellationToken)
    {
        var byHash = batch.Files.Where(f => f.Ready).GroupBy(f => f.Digest!.Hash, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        if (byHash.Count == 0)
        {
            return;
        }

        var firsts = byHash.Values.Select(g => g[0]).ToList();
        var answer = await api.RequestGrantsAsync(new UploadGrantRequest(
            firsts.Select(GrantFileOf).ToList()), cancellationToken);
        batch.GrantId = answer.GrantId;

        await Parallel.ForEachAsync(firsts.Zip(answer.Files), new ParallelOptions { MaxDegreeOfParallelism = options.UploadParallelism, CancellationToken = cancellationToken }, async (pair, ct) =>
        {
            var (file, grant) = pair;
            var failure = grant.Outcome switch
            {
                GrantOutcomes.Upload => await uploads.GetOrAdd(file.Digest!.Hash, _ => new(() => SendInSlotsAsync(file, grant, slots, run, ct))).Value,
                GrantOutcomes.Refused => grant.Reason ?? "refused by the server",
                _ => null,
            };
            foreach (var same in byHash[file.Digest!.Hash])
            {
                if (failure is not null)
                {
                    Fail(same, failure, run);
                    continue;
                }

                // Only the first file of a content is sent; its copies, and content the backend
                // holds already, are done without sending.
                if (grant.Outcome != GrantOutcomes.Upload || !ReferenceEquals(same, file))
                {
                    same.Account(same.Digest!.Size);
                    progress.NotToSend(same.Digest!.Size);
                }

                progress.FileDone(same.Digest!.Size);
            }
        });
    }

    /// <summary>What a grant request says of a file. A chunked file names the content its path had
    /// before as its base (when that was chunked too): the grant says which chunks it holds.</summary>
    private static GrantFile GrantFileOf(BatchFile file)
    {
        var digest = file.Digest!;
        var before = file.Change.Previous is { Kind: EntryKind.File, Hash: { } hash } previous && BackupLimits.IsChunked(previous.Size) && hash != digest.Hash ? hash : null;
        return new GrantFile(file.Entry.CatalogPath, digest.Size, digest.Hash, digest.Chunks, digest.Chunks is null ? null : before);
    }

    /// <summary>Sends one content once it has its slots of the run's uploads in flight.</summary>
    private async Task<string?> SendInSlotsAsync(BatchFile file, UploadGrant grant, ConcurrencyLimiter slots, RunState run, CancellationToken cancellationToken)
    {
        var needs = file.Digest!.Size > BackupLimits.SinglePutMaxBytes ? Math.Min(BlobSender.BlocksInFlight, options.UploadParallelism) : 1;
        using var lease = await slots.AcquireAsync(needs, cancellationToken);
        return await SendOneAsync(file, grant, run, cancellationToken);
    }

    /// <summary>Sends one content; returns why it could not be sent, or null.</summary>
    private async Task<string?> SendOneAsync(BatchFile file, UploadGrant grant, RunState run, CancellationToken cancellationToken)
    {
        var digest = file.Digest!;
        try
        {
            long sentOfThisFile = 0;
            await sender.SendAsync(file.Entry.LocalPath, digest, new Uri(grant.UploadUrl!), grant.Held ?? [], async ct =>
            {
                var renewed = (await api.RequestGrantsAsync(new([GrantFileOf(file)]), ct)).Files[0];
                return renewed.Outcome switch
                {
                    GrantOutcomes.Upload => new Uri(renewed.UploadUrl!),
                    GrantOutcomes.Refused => throw new UploadRefusedException(renewed.Reason ?? "refused by the server"),
                    _ => null,
                };
            }, bytes => { Interlocked.Add(ref sentOfThisFile, bytes); file.Account(bytes); progress.Sent(bytes); },
            bytes => { file.Account(bytes); progress.NotToSend(bytes); }, cancellationToken);
            // The summary counts the bytes of files that made it; what went over the wire for a
            // file then skipped shows in the progress only.
            run.AddSent(Interlocked.Read(ref sentOfThisFile));
            run.AddFileSent();
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or RequestFailedException or UploadRefusedException)
        {
            return e is FileChangedException ? "changed while it was sent; it will be sent on the next run" : Reason(e);
        }
    }

    /// <summary>Commits what of the batch is ready — files whose content is stored or sent, links,
    /// deletions. The commit's key goes into the index with its rows before the request does,
    /// so a kill before the answer costs nothing: the next run asks how that key ended.</summary>
    private async Task CommitAsync(Batch batch, CommitConfirmations confirmations, CancellationToken cancellationToken)
    {
        var changes = new List<(FileChange Change, IndexedFile? Row)>();
        var kinds = new Dictionary<string, ChangeKind>(StringComparer.Ordinal);
        foreach (var file in batch.Files.Where(f => f.Ready))
        {
            kinds[file.Entry.CatalogPath] = file.Change.Kind;
            var d = file.Digest!;
            changes.Add((new FileChange(file.Entry.CatalogPath, EntryKinds.File, d.Size, d.Hash, d.ModifiedAt, null, file.Change.Kind == ChangeKind.New, file.Entry.Mode),
                new IndexedFile(file.Entry.CatalogPath, EntryKind.File, d.Size, d.ModifiedAt, d.Hash, null, IndexState.Pending, Stamp: d.Stamp)));
        }

        foreach (var other in batch.Others)
        {
            kinds[other.CatalogPath] = other.Kind;
            changes.Add(other.Kind == ChangeKind.Deleted
                ? (new FileChange(other.CatalogPath, EntryKinds.Deleted, 0, null, null, null), IndexedFile.Deletion(other.CatalogPath) with { State = IndexState.Pending })
                : (new FileChange(other.CatalogPath, EntryKinds.Symlink, 0, null, other.Entry!.ModifiedAt, other.Entry.LinkTarget, other.Kind == ChangeKind.New),
                    new IndexedFile(other.CatalogPath, EntryKind.Symlink, 0, other.Entry.ModifiedAt, null, other.Entry.LinkTarget, IndexState.Pending)));
        }

        if (changes.Count == 0)
        {
            return;
        }

        // Within the commit's limit: a folder time left out costs a restored folder its time, nothing more.
        changes.AddRange(FolderTimes(batch).Take(BackupLimits.MaxCommitChanges - changes.Count).Select(f => (f, (IndexedFile?)null)));
        var commitId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        index.Upsert(changes.Where(c => c.Row is not null).Select(c => c.Row! with { CommitId = commitId }));
        await api.CommitAsync(new CommitRequest(changes.Select(c => c.Change).ToList(), commitId, batch.GrantId is { } grantId ? [grantId] : null), cancellationToken);
        confirmations.Add(commitId, new SentCommit(kinds));
        progress.Committed(kinds.Count);
        foreach (var _ in batch.Others)
        {
            progress.FileDone(0); // a link or a deletion is done once its commit is accepted
        }
    }

    /// <summary>
    /// The times of the folders whose entries this batch adds or removes, and of their folders up
    /// to the backup root (a new subfolder changes its parent's time): only those can have
    /// changed, so an unchanged tree sends none. Read from disk when the commit goes, so they
    /// are the folders' times now, whichever batch saw them first. Kept by the backend on the
    /// folder, for a restore to set back.
    /// </summary>
    private IEnumerable<FileChange> FolderTimes(Batch batch)
    {
        var paths = batch.Files.Where(f => f.Ready && f.Change.Kind == ChangeKind.New).Select(f => f.Entry.LocalPath)
            .Concat(batch.Others.Where(o => o.Kind is ChangeKind.New or ChangeKind.Deleted).Select(o => o.Entry?.LocalPath ?? CatalogPath.ToOriginal(o.CatalogPath)));
        var folders = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            // Climbs until a folder already taken (its own folders are taken then too) or the root.
            for (var folder = Path.GetDirectoryName(path); folder is not null && _roots.Any(r => IsSameOrUnder(folder, r)) && folders.Add(folder); folder = Path.GetDirectoryName(folder))
            {
            }
        }

        foreach (var folder in folders)
        {
            var info = new DirectoryInfo(folder);
            if (info.Exists && info.LinkTarget is null)
            {
                yield return new FileChange(CatalogPath.FromLocal(folder), EntryKinds.Folder, 0, null, new DateTimeOffset(info.LastWriteTimeUtc.Ticks, TimeSpan.Zero), null);
            }
        }
    }

    private static bool IsSameOrUnder(string path, string root) =>
        path == root || path.StartsWith(root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private void Fail(BatchFile file, string reason, RunState run)
    {
        file.Failure = reason;
        run.Skip(file.Entry.LocalPath, reason);
        run.Uncount(file.Change.Kind);
        // What of it was not sent (or found stored) need not be; and a skipped file is done with.
        progress.NotToSend(Math.Max(0, file.Entry.Size - file.Accounted));
        progress.FileDone(file.Entry.Size);
        progress.Skipped(file.Entry.LocalPath, reason);
    }

    private static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        RequestFailedException r => $"storage refused the upload ({r.Status} {r.ErrorCode})",
        _ => e.Message,
    };
}

/// <summary>What a backup would do now: counts, bytes to read, batches, what it could not read.</summary>
public sealed record DryRunSummary(int New, int Changed, int Unchanged, int Deleted, long BytesToRead, int Batches, IReadOnlyList<SkippedFile> Skipped);

/// <summary>The backend refused an upload it had granted (the quota filled meanwhile, say).</summary>
public sealed class UploadRefusedException(string reason) : Exception(reason);

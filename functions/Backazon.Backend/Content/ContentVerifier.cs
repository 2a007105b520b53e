using System.Collections.Concurrent;
using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Backazon.Backend.Accounts;
using Backazon.Backend.Configuration;
using Backazon.Backend.Storage;
using Backazon.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Backazon.Backend.Content;

public enum VerificationResult
{
    Verified,
    Missing,
    Mismatch,
}

public sealed record Verification(VerificationResult Result, long Size, string? Reason)
{
    public static Verification Ok(long size) => new(VerificationResult.Verified, size, null);
}

/// <summary>
/// Turns granted content into verified content, checked where it lies — no copy. First the blob
/// is frozen: content sent in one request came through a create-only SAS, which cannot
/// overwrite it; content sent in blocks (a write SAS, which could rewrite the blob while it
/// lives) is snapshotted, and the snapshot is what is checked and what restores read — no SAS a
/// device holds can change or delete a snapshot. Then its size is compared with the declared one before a byte is read (an
/// oversized upload is rejected at once), and every byte is hashed as it streams (bounded
/// memory, whatever the blob). Only then, in one transaction per up to 99 contents, the rows
/// turn verified and their bytes move from reserved to used. Safe to run twice or concurrently.
/// A mismatch deletes the blob; the row stays granted, so the device sends it again.
/// Chunked content (<see cref="BackupLimits.IsChunked"/>) is not sent to its blob at all: the
/// check builds it as a snapshot of its file's lineage blob from checked blocks and the device's
/// staging blob, and reads only the new ones (<see cref="ChunkedContentBuilder"/>).
/// </summary>
public sealed class ContentVerifier(
    AccountStore accounts, ContentBlobs blobs, ChunkedContentBuilder builder, LineageBlobs lineages, ChunkLists chunkLists, ContentTiering tiering, ColdAfterCheck cold, DueIndex due, IOptions<LifecycleOptions> lifecycle, TimeProvider clock, ILogger<ContentVerifier> logger)
{
    // A transaction holds 100 operations: the content rows plus the account.
    private const int CountsPerTransaction = 99;
    private const int ReadBufferBytes = 1 << 20;

    /// <summary>Contents checked at once. A small file's check is mostly a round trip to storage,
    /// and the last commit of a backup is checked while nothing else runs: at 8 its 500 reads
    /// took 4 s on loopback, most of it waiting.</summary>
    private const int ChecksInFlight = 32;

    /// <summary>Verifies one content nothing may point at (the sweeper's abandoned uploads):
    /// retention checks its references later.</summary>
    public async Task<Verification> EnsureAsync(string accountId, string hash, CancellationToken cancellationToken = default) =>
        (await EnsureManyAsync(accountId, [hash], referencedNext: false, cancellationToken: cancellationToken))[hash];

    /// <summary>Verifies many contents of one account: the checks run in parallel, then the
    /// verified ones are counted a transaction per 99, rather than one each.</summary>
    /// <param name="referencedNext">the caller records versions pointing at what checks out (a
    /// commit): no reference check is scheduled for it (the caller flags what it leaves out)</param>
    /// <param name="granted">content rows as the commit's grants wrote them (<see cref="GrantLedger"/>):
    /// a check starts from these instead of reading its row; each is still guarded by its ETag</param>
    public async Task<IReadOnlyDictionary<string, Verification>> EnsureManyAsync(
        string accountId, IEnumerable<string> hashes, bool referencedNext, IReadOnlyDictionary<string, ContentEntity>? granted = null,
        CancellationToken cancellationToken = default)
    {
        var results = new ConcurrentDictionary<string, Verification>(StringComparer.Ordinal);
        var checkedOk = new ConcurrentBag<ContentEntity>();
        await Parallel.ForEachAsync(hashes.Distinct(StringComparer.Ordinal), new ParallelOptions { MaxDegreeOfParallelism = ChecksInFlight, CancellationToken = cancellationToken }, async (hash, ct) =>
        {
            var (result, row) = await CheckAsync(accountId, hash, granted?.GetValueOrDefault(hash), ct);
            if (result is not null)
            {
                results[hash] = result;
            }
            else
            {
                checkedOk.Add(row!);
            }
        });

        foreach (var batch in checkedOk.Chunk(CountsPerTransaction))
        {
            foreach (var (hash, verification) in await CountAsync(accountId, batch, referencedNext, cancellationToken))
            {
                results[hash] = verification;
            }
        }

        // Read while hot, now counted: what a commit points at rests in cold when that pays.
        if (referencedNext)
        {
            await cold.MoveAsync(accountId, checkedOk.Where(c => results.TryGetValue(c.Hash, out var r) && r.Result == VerificationResult.Verified), cancellationToken);
        }

        return results;
    }

    /// <summary>The check itself: a result when the content is already verified, missing or bad;
    /// null and the granted row when the frozen blob matches and only needs counting.</summary>
    private async Task<(Verification? Result, ContentEntity? Row)> CheckAsync(string accountId, string hash, ContentEntity? granted, CancellationToken cancellationToken)
    {
        // A row from the grant's ledger is used only while its grant runs (the sweeper verifies
        // nothing before), and never for content sent in blocks (a check from a stale row would
        // leave a snapshot behind). Whatever it does not prove is decided from the row itself.
        if (granted is { Size: <= BackupLimits.SinglePutMaxBytes } && granted.ExpiresAt > clock.GetUtcNow()
            && await CheckRowAsync(accountId, hash, granted, asStored: false, cancellationToken) is { Result: null } ledgerChecked)
        {
            return ledgerChecked;
        }

        var found = await accounts.Table.GetEntityIfExistsAsync<ContentEntity>(accountId, ContentEntity.RowFor(hash), cancellationToken: cancellationToken);
        return found.HasValue
            ? await CheckRowAsync(accountId, hash, found.Value!, asStored: true, cancellationToken)
            : (new(VerificationResult.Missing, 0, "The content was never granted for upload, or was released; it will be sent again."), null);
    }

    /// <summary>Content a commit uses again: a pending release is called off first (or, if the
    /// release won, the content is missing), and a tiering tag comes off.</summary>
    private async Task<Verification> UseVerifiedAsync(ContentEntity row, CancellationToken cancellationToken)
    {
        if (row.CheckReferencesAfter is not null && !await KeepAsync(row, cancellationToken))
        {
            return new(VerificationResult.Missing, 0, "The content was released by retention meanwhile; it will be sent again.");
        }

        if (row.TaggedOld)
        {
            await tiering.MakeCurrentAsync(row, cancellationToken); // the same bytes are back in force
        }

        return Verification.Ok(row.Size);
    }

    /// <summary>The check from one row. A mismatch deletes the blob, so only a row read as stored
    /// can decide one: from a ledger's row only a match counts (its count is guarded by the ETag),
    /// anything else is asked again of the row itself.</summary>
    private async Task<(Verification? Result, ContentEntity? Row)> CheckRowAsync(string accountId, string hash, ContentEntity row, bool asStored, CancellationToken cancellationToken)
    {
        if (row.IsVerified)
        {
            return (await UseVerifiedAsync(row, cancellationToken), null);
        }

        var blob = blobs.Blob(accountId, hash);
        var chunked = BackupLimits.IsChunked(row.Size);
        var (arrived, actualHash) = chunked ? await BuildAsync(row, cancellationToken) : await FreezeAndReadAsync(blob, row, cancellationToken);
        if (arrived is null)
        {
            return (NotArrived, null);
        }

        if (!asStored && (arrived != row.Size || actualHash != hash))
        {
            return (NotArrived, null);
        }

        if (arrived != row.Size || actualHash != hash)
        {
            var what = arrived != row.Size ? $"{arrived:N0} bytes arrived, {row.Size:N0} were declared" : "the bytes do not match the declared hash";
            logger.LogWarning("Upload of content {Hash} for account {Account} by device {Device} failed verification ({What}); removed.", hash, accountId, row.DeviceId, what);
            if (chunked)
            {
                await lineages.DiscardAsync(row.Blob!, hash, cancellationToken); // the version made of it
                await chunkLists.DeleteStagingAsync(accountId, hash, cancellationToken); // what the device sends next starts clean
            }
            else
            {
                await ContentBlobs.DeleteAsync(blob, cancellationToken);
            }

            // Counted only against the one device that held the upload (see ContentEntity.DeviceId).
            if (row.DeviceId is not null)
            {
                await accounts.CountRejectedUploadAsync(accountId, row.DeviceId, arrived.Value, clock.GetUtcNow(), cancellationToken);
            }

            return (new(VerificationResult.Mismatch, 0, $"The upload failed verification ({what}); it was removed and will be sent again."), null);
        }

        return (null, row);
    }

    /// <summary>Chunked content: built by the backend as a version (a snapshot) of its file's
    /// lineage blob from checked blocks and the device's new chunks, and read only where the new
    /// ones are (<see cref="ChunkedContentBuilder"/>); the row then names that snapshot.</summary>
    private async Task<(long? Length, string? Hash)> BuildAsync(ContentEntity row, CancellationToken cancellationToken)
    {
        if (await builder.BuildAndCheckAsync(row.PartitionKey, row.Hash, cancellationToken) is not { } built)
        {
            return (null, null);
        }

        (row.Blob, row.Snapshot) = (built.Blob, built.Snapshot);
        return (built.Length, built.Hash);
    }

    /// <summary>Other content: frozen first when it was sent in blocks, then read whole.</summary>
    private static async Task<(long? Length, string? Hash)> FreezeAndReadAsync(BlobClient blob, ContentEntity row, CancellationToken cancellationToken)
    {
        var read = blob;
        if (row.Size > BackupLimits.SinglePutMaxBytes)
        {
            if (await FreezeAsync(blob, cancellationToken) is not { } snapshot)
            {
                return (null, null);
            }

            row.Snapshot = snapshot;
            read = blob.WithSnapshot(snapshot);
        }

        return await ReadAsync(read, row.Size, cancellationToken);
    }

    private static readonly Verification NotArrived = new(VerificationResult.Missing, 0, "The upload has not arrived; it will be sent again.");

    /// <summary>
    /// Snapshots a blob sent in blocks: the snapshot holds the committed bytes as they are now,
    /// whatever a device still holding a write SAS does to the blob afterwards. An earlier
    /// attempt's snapshot is not reused (the blob may have changed since); it goes with the blob.
    /// Null when the blob is not there (or has only uncommitted blocks).
    /// </summary>
    private static async Task<string?> FreezeAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            return (await blob.CreateSnapshotAsync(cancellationToken: cancellationToken)).Value.Snapshot;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Streams the blob through SHA-256. Returns null when it is not there; stops before
    /// reading a byte when storage says it is not the declared size.</summary>
    private static async Task<(long? Length, string? Hash)> ReadAsync(BlobClient blob, long declared, CancellationToken cancellationToken)
    {
        Response<Azure.Storage.Blobs.Models.BlobDownloadStreamingResult> download;
        try
        {
            download = await blob.DownloadStreamingAsync(cancellationToken: cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return (null, null);
        }

        await using var stream = download.Value.Content;
        var length = download.Value.Details.ContentLength;
        if (length != declared)
        {
            return (length, null);
        }

        using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[Math.Min(ReadBufferBytes, Math.Max(1, declared))];
        long read = 0;
        int count;
        while ((count = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hasher.AppendData(buffer, 0, count);
            read += count;
        }

        return (read, Convert.ToHexStringLower(hasher.GetHashAndReset()));
    }

    /// <summary>
    /// Content that retention may release is about to be referenced again: clear the flag, with
    /// the row's ETag, so a release that read the row before us fails and one that deleted it
    /// first makes us report the content missing (the device sends it again).
    /// </summary>
    private Task<bool> KeepAsync(ContentEntity content, CancellationToken cancellationToken) =>
        OptimisticRetry.RunAsync(async ct =>
        {
            content.CheckReferencesAfter = null;
            try
            {
                await accounts.Table.UpdateEntityAsync(content, content.ETag, TableUpdateMode.Replace, ct);
                return true;
            }
            catch (RequestFailedException e) when (OptimisticRetry.IsRace(e))
            {
                var again = await accounts.Table.GetEntityIfExistsAsync<ContentEntity>(content.PartitionKey, content.RowKey, cancellationToken: ct);
                if (!again.HasValue || !again.Value!.IsVerified)
                {
                    return false;
                }

                if (again.Value.CheckReferencesAfter is null)
                {
                    return true;
                }

                content = again.Value;
                throw OptimisticRetry.Lost(e);
            }
        }, cancellationToken);

    /// <summary>Turns checked rows verified and moves their bytes from reserved to used, in one
    /// transaction guarded by every ETag. Rows someone else counted meanwhile are not counted
    /// again; rows renewed meanwhile are retried with their new ETag (the blob is frozen, so the
    /// check still holds); rows released meanwhile are missing.</summary>
    private async Task<List<(string Hash, Verification Result)>> CountAsync(
        string accountId, IReadOnlyList<ContentEntity> rows, bool referencedNext, CancellationToken cancellationToken)
    {
        var results = new List<(string, Verification)>();
        var pending = rows.ToList();
        if (pending.Count == 0)
        {
            return results;
        }

        await OptimisticRetry.RunAsync(async ct =>
        {
            var account = await accounts.GetAccountAsync(accountId, ct);
            var now = clock.GetUtcNow();
            var checkAt = now + lifecycle.Value.ContentReleaseDelay;
            if (!referencedNext)
            {
                await due.AddReferenceChecksAsync(accountId, pending.Select(r => r.Hash), checkAt, ct);
            }

            var actions = new List<TableTransactionAction>();
            foreach (var row in pending)
            {
                account.UsedBytes += row.Size;
                account.ReservedBytes = Math.Max(0, account.ReservedBytes - row.Size);
                row.State = ContentStates.Verified;
                row.VerifiedAt = now;
                row.ExpiresAt = null;
                // An upload the sweeper verified may never be committed: retention looks later.
                row.CheckReferencesAfter = referencedNext ? null : checkAt;
                actions.Add(new(TableTransactionActionType.UpdateReplace, row, row.ETag));
            }

            actions.Add(new(TableTransactionActionType.UpdateReplace, account, account.ETag));
            try
            {
                await accounts.Table.SubmitTransactionAsync(actions, ct);
                results.AddRange(pending.Select(r => (r.Hash, Verification.Ok(r.Size))));
            }
            catch (TableTransactionFailedException e) when (OptimisticRetry.IsRace(e))
            {
                // The account's row is the usual loser (every grant and every count of the account
                // writes it). It comes last, and a transaction names its first failed operation: when
                // the account's is named, every content row's ETag still held, so the next try only
                // reads the account again. A content row that lost, or a failure that names no row,
                // has every row read again.
                if (e.FailedTransactionActionIndex is int index && index < actions.Count && actions[index].Entity is AccountEntity)
                {
                    throw OptimisticRetry.Lost(e);
                }

                var remaining = new List<ContentEntity>();
                foreach (var row in pending)
                {
                    var current = await accounts.Table.GetEntityIfExistsAsync<ContentEntity>(accountId, row.RowKey, cancellationToken: ct);
                    if (!current.HasValue)
                    {
                        results.Add((row.Hash, NotArrived));
                    }
                    else if (current.Value!.IsVerified)
                    {
                        // Checked by someone else meanwhile; a commit uses it as it would any stored content.
                        results.Add((row.Hash, referencedNext ? await UseVerifiedAsync(current.Value, ct) : Verification.Ok(current.Value.Size)));
                    }
                    else
                    {
                        (current.Value.Blob, current.Value.Snapshot) = (row.Blob, row.Snapshot); // what this check read
                        remaining.Add(current.Value);
                    }
                }

                pending = remaining;
                if (pending.Count > 0)
                {
                    throw OptimisticRetry.Lost(e);
                }
            }
        }, cancellationToken);
        return results;
    }

    /// <summary>Deletes a granted row whose time is up and returns its reserved bytes, unless a
    /// device renewed it meanwhile (it is uploading again); then its blob, which no live SAS can
    /// write any more. False when the row was not released.</summary>
    public async Task<bool> ReleaseAsync(ContentEntity grant, CancellationToken cancellationToken = default)
    {
        if (!await accounts.DeleteCountedAsync(grant, account => account.ReservedBytes -= grant.Size, cancellationToken: cancellationToken))
        {
            return false;
        }

        await blobs.DeleteAsync(grant.PartitionKey, grant.Hash, cancellationToken);
        if (BackupLimits.IsChunked(grant.Size))
        {
            await builder.DiscardAsync(grant.PartitionKey, grant.Hash, cancellationToken); // a version built but never counted
            await chunkLists.DeleteAsync(grant.PartitionKey, grant.Hash, cancellationToken);
        }

        return true;
    }
}

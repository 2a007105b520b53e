using System.Collections.Concurrent;
using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Backazon.Backend.Accounts;
using Backazon.Backend.Configuration;
using Backazon.Backend.Retention;
using Backazon.Backend.Storage;
using Backazon.Backend.Uploads;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Backazon.Backend.Catalog;

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
/// Turns an upload into verified content. The staging blob a device wrote is first copied to
/// the content name, which no device can write, and only that frozen copy is read and hashed;
/// then, in one transaction, the content row is added, its bytes counted and the reservation
/// released. Safe to run twice or concurrently: the content row is added once.
/// </summary>
public sealed class ContentVerifier(
    AccountStore accounts, StorageClients storage, SasIssuer sas, IOptions<LifecycleOptions> lifecycle, TimeProvider clock, ILogger<ContentVerifier> logger)
{
    private readonly BlobContainerClient _content = storage.Blobs.GetBlobContainerClient(StorageNames.ContentContainer);
    private readonly BlobContainerClient _uploads = storage.Blobs.GetBlobContainerClient(StorageNames.UploadsContainer);

    // A transaction holds 100 operations: per content a row and a grant deletion, plus the account.
    private const int CountsPerTransaction = 49;

    // Content up to this size is checked in memory and written by the backend; larger content
    // is copied server-side first and checked by streaming the copy.
    private const int InMemoryLimit = 4 * 1024 * 1024;

    public static string ContentBlobName(string accountId, string hash) => $"{accountId}/{hash}";

    public async Task<Verification> EnsureAsync(string accountId, string hash, CancellationToken cancellationToken = default) =>
        (await EnsureManyAsync(accountId, [hash], cancellationToken))[hash];

    /// <summary>
    /// Verifies many contents of one account: the checks run in parallel, then the verified ones
    /// are counted in a few transactions (up to 49 contents each) rather than one per content, so
    /// a large commit does not queue behind the account row.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, Verification>> EnsureManyAsync(
        string accountId, IEnumerable<string> hashes, CancellationToken cancellationToken = default)
    {
        var results = new ConcurrentDictionary<string, Verification>();
        var verified = new ConcurrentDictionary<string, (long Size, GrantEntity Grant)>();
        await Parallel.ForEachAsync(hashes.Distinct(), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (hash, ct) =>
        {
            var (result, grant) = await CheckAsync(accountId, hash, ct);
            if (result is null)
            {
                verified[hash] = (grant!.Size, grant);
            }
            else
            {
                results[hash] = result;
            }
        });

        foreach (var batch in verified.Chunk(CountsPerTransaction))
        {
            foreach (var (hash, size) in await CountAsync(accountId, batch.Select(b => (b.Key, b.Value.Size, (GrantEntity?)b.Value.Grant)).ToList(), cancellationToken))
            {
                results[hash] = Verification.Ok(size);
            }

            await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = CancellationToken.None }, async (item, _) =>
                await _uploads.GetBlobClient(item.Value.Grant.StagingBlob).DeleteIfExistsAsync(cancellationToken: CancellationToken.None));
        }

        return results;
    }

    /// <summary>
    /// The check itself. Returns a result when the content is already counted, missing or bad;
    /// returns null (and the grant) when the frozen copy matches and only needs counting.
    /// </summary>
    private async Task<(Verification? Result, GrantEntity? Grant)> CheckAsync(string accountId, string hash, CancellationToken cancellationToken)
    {
        // The grant first: it is deleted in the same transaction that adds the content row, so
        // while it exists the content is not counted yet — one read for most new content.
        var found = await accounts.Table.GetEntityIfExistsAsync<GrantEntity>(accountId, GrantEntity.RowFor(hash), cancellationToken: cancellationToken);
        if (!found.HasValue)
        {
            var content = await accounts.Table.GetEntityIfExistsAsync<ContentEntity>(accountId, ContentEntity.RowFor(hash), cancellationToken: cancellationToken);
            if (!content.HasValue)
            {
                return (new(VerificationResult.Missing, 0, "The content was never granted for upload; it will be sent again."), null);
            }

            if (content.Value!.CheckReferencesAfter is null || await KeepAsync(content.Value, cancellationToken))
            {
                return (Verification.Ok(content.Value.Size), null);
            }

            return (new(VerificationResult.Missing, 0, "The content was released by retention meanwhile; it will be sent again."), null);
        }

        var grant = found.Value!;
        var target = _content.GetBlobClient(ContentBlobName(accountId, hash));
        var staging = _uploads.GetBlobClient(grant.StagingBlob);
        if (grant.Size <= InMemoryLimit)
        {
            // Small content: read it once, check it, and write exactly the bytes checked to the
            // content name (two requests, no server-side copy). Frozen by construction.
            var (outcome, arrived) = await WriteCheckedAsync(staging, target, hash, grant.Size, cancellationToken);
            switch (outcome)
            {
                case CheckedWrite.Missing:
                    return (new(VerificationResult.Missing, 0, "The upload has not arrived; it will be sent again."), null);
                case CheckedWrite.Mismatch:
                    await RejectAsync(accountId, grant, target, null, cancellationToken);
                    return (Mismatch(arrived != grant.Size ? $"{arrived} bytes arrived, {grant.Size} were declared" : "the bytes do not match the declared hash"), null);
                case CheckedWrite.Written:
                    return (null, grant);
            }

            // The content name exists already (a concurrent check, or one that crashed): check it.
        }
        else if (!await CopyAsync(staging, target, cancellationToken))
        {
            return (new(VerificationResult.Missing, 0, "The upload has not arrived; it will be sent again."), null);
        }

        var (actualHash, length, etag) = await HashAsync(target, cancellationToken);
        if (actualHash != hash || length != grant.Size)
        {
            await RejectAsync(accountId, grant, target, etag, cancellationToken);
            return (Mismatch(length != grant.Size ? $"{length} bytes arrived, {grant.Size} were declared" : "the bytes do not match the declared hash"), null);
        }

        return (null, grant);
    }

    /// <summary>
    /// Content that retention may release is about to be referenced again: clear the flag, with
    /// the row's ETag, so a release that read the row before us fails and one that deleted it
    /// first makes us report the content missing (the device sends it again).
    /// </summary>
    private async Task<bool> KeepAsync(ContentEntity content, CancellationToken cancellationToken)
    {
        content.CheckReferencesAfter = null;
        try
        {
            await accounts.Table.UpdateEntityAsync(content, content.ETag, TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            var again = await accounts.Table.GetEntityIfExistsAsync<ContentEntity>(content.PartitionKey, content.RowKey, cancellationToken: cancellationToken);
            return again.HasValue && (again.Value!.CheckReferencesAfter is null || await KeepAsync(again.Value, cancellationToken));
        }
    }

    /// <summary>Adds the content rows, counts their bytes and releases their grants, atomically
    /// (one transaction guarded by the account's ETag). Each row asks retention to check, after
    /// the release delay, that some version points at it (an upload verified by the sweeper may
    /// never be committed). Content a concurrent verification counted first is not counted again.</summary>
    private async Task<List<(string Hash, long Size)>> CountAsync(
        string accountId, List<(string Hash, long Size, GrantEntity? Grant)> contents, CancellationToken cancellationToken)
    {
        var counted = new List<(string, long)>();
        while (contents.Count > 0)
        {
            var account = await accounts.GetAccountAsync(accountId, cancellationToken);
            var now = clock.GetUtcNow();
            var actions = new List<TableTransactionAction>();
            foreach (var (hash, size, grant) in contents)
            {
                account.UsedBytes += size;
                actions.Add(new(TableTransactionActionType.Add, new ContentEntity
                {
                    PartitionKey = accountId, RowKey = ContentEntity.RowFor(hash), Size = size, VerifiedAt = now,
                    CheckReferencesAfter = now + lifecycle.Value.ContentReleaseDelay,
                }));
                if (grant is not null)
                {
                    account.ReservedBytes = Math.Max(0, account.ReservedBytes - grant.Size);
                    actions.Add(new(TableTransactionActionType.Delete, grant, grant.ETag));
                }
            }

            actions.Add(new(TableTransactionActionType.UpdateReplace, account, account.ETag));
            try
            {
                await accounts.Table.SubmitTransactionAsync(actions, cancellationToken);
                counted.AddRange(contents.Select(c => (c.Hash, c.Size)));
                return counted;
            }
            catch (TableTransactionFailedException e) when (e.Status is 404 or 409 or 412)
            {
                // Raced (a renewed or swept grant, content counted by someone else, the account
                // changed): keep what nobody has counted, with its grant as it is now, and retry.
                var remaining = new List<(string, long, GrantEntity?)>();
                foreach (var (hash, size, _) in contents)
                {
                    var content = await accounts.Table.GetEntityIfExistsAsync<ContentEntity>(accountId, ContentEntity.RowFor(hash), cancellationToken: cancellationToken);
                    if (content.HasValue)
                    {
                        counted.Add((hash, content.Value!.Size));
                        continue;
                    }

                    var grant = await accounts.Table.GetEntityIfExistsAsync<GrantEntity>(accountId, GrantEntity.RowFor(hash), cancellationToken: cancellationToken);
                    remaining.Add((hash, size, grant.HasValue ? grant.Value : null));
                }

                contents = remaining;
            }
        }

        return counted;
    }

    /// <summary>Removes bad bytes and releases the reservation: the device sends the file again.</summary>
    private async Task RejectAsync(string accountId, GrantEntity grant, BlobClient target, ETag? readETag, CancellationToken cancellationToken)
    {
        logger.LogWarning("Upload of content {Hash} for account {Account} failed verification; removed.", grant.Hash, accountId);
        if (readETag is { } etag)
        {
            try
            {
                // Only the exact bytes we read, and only while no content row points at them.
                await target.DeleteAsync(conditions: new BlobRequestConditions { IfMatch = etag }, cancellationToken: cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
            }
        }

        await _uploads.GetBlobClient(grant.StagingBlob).DeleteIfExistsAsync(cancellationToken: cancellationToken);
        await ReleaseAsync(accountId, grant, cancellationToken);
    }

    /// <summary>Deletes a grant and returns its reserved bytes, unless a device renewed it meanwhile
    /// (it is uploading again).</summary>
    public Task ReleaseAsync(string accountId, GrantEntity grant, CancellationToken cancellationToken = default) =>
        accounts.DeleteCountedAsync(grant, account => account.ReservedBytes -= grant.Size, cancellationToken: cancellationToken);

    private enum CheckedWrite
    {
        Written,
        Missing,
        Mismatch,
        TargetExists,
    }

    /// <summary>Reads the staging blob, checks it, and writes those very bytes to the content
    /// name if nothing is there yet. Also returns how many bytes arrived.</summary>
    private static async Task<(CheckedWrite Outcome, long Arrived)> WriteCheckedAsync(
        BlobClient staging, BlobClient target, string hash, long size, CancellationToken cancellationToken)
    {
        BinaryData bytes;
        try
        {
            bytes = (await staging.DownloadContentAsync(cancellationToken)).Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return (CheckedWrite.Missing, 0);
        }

        var arrived = bytes.ToMemory().Length;
        if (arrived != size || Convert.ToHexStringLower(SHA256.HashData(bytes.ToMemory().Span)) != hash)
        {
            return (CheckedWrite.Mismatch, arrived);
        }

        try
        {
            await target.UploadAsync(bytes, new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
            return (CheckedWrite.Written, arrived);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return (CheckedWrite.TargetExists, arrived);
        }
    }

    /// <summary>Server-side copy, only if the target does not exist yet.</summary>
    private async Task<bool> CopyAsync(BlobClient staging, BlobClient target, CancellationToken cancellationToken)
    {
        var source = await sas.CopySourceUrlAsync(staging, cancellationToken);
        try
        {
            var copy = await target.StartCopyFromUriAsync(source.Url,
                new BlobCopyFromUriOptions { DestinationConditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
            await copy.WaitForCompletionAsync(cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return true; // a concurrent verification copied it; we check what is there
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false; // the staging blob vanished (swept)
        }
    }

    private static async Task<(string Hash, long Length, ETag ETag)> HashAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        var download = await blob.DownloadStreamingAsync(cancellationToken: cancellationToken);
        using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        long length = 0;
        await using var stream = download.Value.Content;
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hasher.AppendData(buffer, 0, read);
            length += read;
        }

        return (Convert.ToHexStringLower(hasher.GetHashAndReset()), length, download.Value.Details.ETag);
    }

    private static Verification Mismatch(string what) =>
        new(VerificationResult.Mismatch, 0, $"The upload failed verification ({what}); it was removed and will be sent again.");
}

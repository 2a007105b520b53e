using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Backazon.Backend.Accounts;
using Backazon.Backend.Catalog;
using Backazon.Backend.Configuration;
using Backazon.Backend.Storage;
using Backazon.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Backazon.Backend.Content;

/// <summary>
/// Frees content no version points at any more, in this order: a version's catalog row is
/// removed only after its content is flagged for a check (<see cref="FlagAsync"/>); at least the
/// release delay later the check looks for any reference to it (<see cref="ReferenceIndex"/>), and
/// only if there is none deletes the content row and subtracts its
/// size from usage in one transaction (guarded by both ETags), then the blob. A commit that
/// reuses flagged content clears the flag first (ContentVerifier), which makes a racing release
/// fail. Every step can be repeated: a crash leaves at worst a blob without a row, which
/// <see cref="RemoveOrphanBlobsAsync"/> deletes on the next sweep.
/// </summary>
public sealed class ContentReleaser(
    AccountStore accounts, CatalogWriter catalog, ReferenceIndex references, StorageClients storage, Content.ChunkLists chunkLists, Content.LineageBlobs lineages, DueIndex due, IOptions<LifecycleOptions> options, TimeProvider clock, ILogger<ContentReleaser> logger)
{
    private readonly BlobContainerClient _content = storage.Blobs.GetBlobContainerClient(StorageNames.ContentContainer);

    /// <summary>The filter for every catalog row of an account ('}' follows '|').</summary>
    public static string AccountCatalogFilter(string accountId) =>
        TableClient.CreateQueryFilter($"PartitionKey gt {accountId + "|"} and PartitionKey lt {accountId + "}"}");

    /// <summary>Asks for a reference check of this content after the release delay. Harmless to
    /// repeat; an earlier pending check is kept.</summary>
    public Task FlagAsync(string accountId, string hash, CancellationToken cancellationToken = default) =>
        OptimisticRetry.RunAsync(async ct =>
        {
            var row = await accounts.Table.GetEntityIfExistsAsync<ContentEntity>(accountId, ContentEntity.RowFor(hash), cancellationToken: ct);
            if (!row.HasValue || row.Value!.CheckReferencesAfter is not null)
            {
                return;
            }

            var checkAt = clock.GetUtcNow() + options.Value.ContentReleaseDelay;
            await due.AddReferenceChecksAsync(accountId, [hash], checkAt, ct);
            row.Value.CheckReferencesAfter = checkAt;
            try
            {
                await accounts.Table.UpdateEntityAsync(row.Value, row.Value.ETag, TableUpdateMode.Replace, ct);
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                throw OptimisticRetry.Lost(e);
            }
        }, cancellationToken);

    /// <summary>Checks the contents of the account whose reference check came due (found in the
    /// due index: what was flagged, not what is stored); returns the bytes freed.</summary>
    public async Task<long> ReleaseDueAsync(string accountId, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        Task<bool>? indexed = null; // read once, and only when something came due
        long freed = 0;
        var done = new List<DueEntity>();
        await foreach (var row in due.DueAsync(DueKinds.Release, now, accountId, cancellationToken))
        {
            var content = await accounts.Table.GetEntityIfExistsAsync<ContentEntity>(accountId, ContentEntity.RowFor(row.Id), cancellationToken: cancellationToken);
            // Unflagged (used again) or flagged later (that flag has its own row): nothing to do here.
            if (content.HasValue && content.Value!.IsVerified && content.Value.CheckReferencesAfter <= now)
            {
                indexed ??= references.IsCompleteAsync(accountId, cancellationToken);
                freed += await ReleaseAsync(content.Value, await indexed, cancellationToken);
            }

            done.Add(row);
        }

        await due.DoneAsync(done, cancellationToken);
        return freed;
    }

    /// <summary>The consistency check's way: every flagged content of the account whose time has
    /// come, found by reading all its content rows; returns the bytes freed.</summary>
    public async Task<long> ReleaseFlaggedAsync(string accountId, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var due = new List<ContentEntity>();
        await foreach (var content in accounts.Table.QueryAsync<ContentEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {accountId} and RowKey ge {ContentEntity.RowPrefix} and RowKey lt {"content;"} and State eq {ContentStates.Verified} and CheckReferencesAfter le {now}"),
            cancellationToken: cancellationToken))
        {
            due.Add(content);
        }

        var indexed = await references.IsCompleteAsync(accountId, cancellationToken);
        long freed = 0;
        foreach (var content in due)
        {
            freed += await ReleaseAsync(content, indexed, cancellationToken);
        }

        return freed;
    }

    private async Task<long> ReleaseAsync(ContentEntity content, bool indexed, CancellationToken cancellationToken)
    {
        var accountId = content.PartitionKey;
        if (await IsReferencedAsync(accountId, content.Hash, indexed, cancellationToken))
        {
            content.CheckReferencesAfter = null;
            try
            {
                await accounts.Table.UpdateEntityAsync(content, content.ETag, TableUpdateMode.Replace, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
            }

            return 0;
        }

        if (!await accounts.DeleteCountedAsync(content, account => account.UsedBytes -= content.Size, cancellationToken: cancellationToken))
        {
            return 0; // released by a concurrent sweep, or a commit is using it again
        }

        if (content.Blob is { } lineage && content.Snapshot is { } snapshot)
        {
            await lineages.ReleaseAsync(lineage, snapshot, cancellationToken); // this version only: the blocks no other holds
        }
        else
        {
            await ContentBlobs.DeleteAsync(_content.GetBlobClient(ContentBlobs.Name(accountId, content.Hash)), cancellationToken);
        }

        if (BackupLimits.IsChunked(content.Size))
        {
            await chunkLists.DeleteAsync(accountId, content.Hash, cancellationToken);
        }

        logger.LogInformation("Released content {Hash} of account {Account}: {Size} bytes.", content.Hash, accountId, content.Size);
        return content.Size;
    }

    /// <summary>
    /// Whether any catalog version of the account points at the content. With the account's
    /// references complete, one read of the content's first reference; before that (an account
    /// older than the index, until its first consistency pass) one query over the account's
    /// catalog, filtered by the service.
    /// </summary>
    public async Task<bool> IsReferencedAsync(string accountId, string hash, bool indexed, CancellationToken cancellationToken = default)
    {
        if (indexed)
        {
            return await references.AnyAsync(accountId, hash, cancellationToken);
        }

        var filter = $"{AccountCatalogFilter(accountId)} and {TableClient.CreateQueryFilter($"Hash eq {hash}")}";
        await foreach (var _ in catalog.Table.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken))
        {
            return true;
        }

        return false;
    }

    /// <summary>Deletes content blobs of the account that no content row accounts for
    /// (what a crash between a release's two steps leaves), once older than the release delay,
    /// and lineage snapshots no row names (<see cref="Content.LineageBlobs.RemoveOrphansAsync"/>).
    /// Content rows and blob names both sort by hash, so one merged pass suffices.</summary>
    public async Task<int> RemoveOrphanBlobsAsync(string accountId, CancellationToken cancellationToken = default)
    {
        var cutoff = clock.GetUtcNow() - options.Value.ContentReleaseDelay;
        var removed = 0;
        await foreach (var (hash, row, blob) in ContentInventory.MergeAsync(accounts, _content, accountId, cancellationToken))
        {
            if (row is null && blob is not null && blob.Properties.LastModified < cutoff)
            {
                await ContentBlobs.DeleteAsync(_content.GetBlobClient(blob.Name), cancellationToken);
                logger.LogWarning("Removed orphan content blob {Blob}.", blob.Name);
                removed++;
            }
        }

        removed += await lineages.RemoveOrphansAsync(accounts, accountId, cutoff, cancellationToken);
        return removed;
    }
}

/// <summary>An account's content rows next to its content blobs, by hash (a row of a lineage
/// blob's version has none of its own).</summary>
public static class ContentInventory
{
    public static async IAsyncEnumerable<(string Hash, ContentEntity? Row, BlobItem? Blob)> MergeAsync(
        AccountStore accounts, BlobContainerClient content, string accountId,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var prefix = accountId + "/";
        var lineages = Content.LineageBlobs.Name(accountId, "");
        await using var rows = accounts.Table.QueryAsync<ContentEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {accountId} and RowKey ge {ContentEntity.RowPrefix} and RowKey lt {"content;"}"),
            cancellationToken: cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using var blobs = content.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken).GetAsyncEnumerator(cancellationToken);
        var row = await rows.MoveNextAsync() ? rows.Current : null;
        // Lineage blobs ("lineage/...", after every hex name) hold versions of many contents,
        // which their rows name (ContentEntity.Blob): they are no content's own blob.
        async Task<BlobItem?> NextBlobAsync() => await blobs.MoveNextAsync() && !blobs.Current.Name.StartsWith(lineages, StringComparison.Ordinal) ? blobs.Current : null;
        var blob = await NextBlobAsync();
        while (row is not null || blob is not null)
        {
            var order = row is null ? 1 : blob is null ? -1 : string.CompareOrdinal(row.Hash, blob.Name[prefix.Length..]);
            if (order == 0)
            {
                yield return (row!.Hash, row, blob);
                row = await rows.MoveNextAsync() ? rows.Current : null;
                blob = await NextBlobAsync();
            }
            else if (order < 0)
            {
                yield return (row!.Hash, row, null);
                row = await rows.MoveNextAsync() ? rows.Current : null;
            }
            else
            {
                yield return (blob!.Name[prefix.Length..], null, blob);
                blob = await NextBlobAsync();
            }
        }
    }
}

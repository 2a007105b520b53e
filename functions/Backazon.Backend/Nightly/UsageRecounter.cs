using Azure.Storage.Blobs;
using Backazon.Backend.Accounts;
using Backazon.Backend.Configuration;
using Backazon.Backend.Content;
using Backazon.Backend.Storage;
using Backazon.Contracts;

namespace Backazon.Backend.Nightly;

/// <summary>Recomputes an account's usage from its content rows and from the content blobs in
/// storage, and reports any difference with the recorded usage (there should be none). Reads
/// only; an orphan blob younger than the release delay may be an upload being verified.</summary>
public sealed class UsageRecounter(AccountStore accounts, StorageClients storage)
{
    private const int MaxListed = 100;

    public async Task<UsageRecountView> RecountAsync(string accountId, CancellationToken cancellationToken = default)
    {
        var account = await accounts.GetAccountAsync(accountId, cancellationToken);
        var container = storage.Blobs.GetBlobContainerClient(StorageNames.ContentContainer);
        long rowBytes = 0, blobBytes = 0;
        int rows = 0, blobs = 0;
        var missing = new List<string>();
        var orphans = new List<string>();
        await foreach (var (hash, row, blob) in ContentInventory.MergeAsync(accounts, container, accountId, cancellationToken))
        {
            if (row is { IsVerified: false })
            {
                continue; // an upload in flight: its blob may be partial, its bytes are reserved
            }

            if (row is not null)
            {
                rows++;
                rowBytes += row.Size;
            }

            if (blob is not null)
            {
                blobs++;
                blobBytes += blob.Properties.ContentLength ?? 0;
            }
            else if (row?.Blob is not null)
            {
                // A version of a lineage blob: its snapshot holds the row's bytes (storage bills
                // the lineage's unique blocks, which this logical count does not show).
                blobs++;
                blobBytes += row.Size;
                continue;
            }

            if (row is null && orphans.Count < MaxListed)
            {
                orphans.Add(hash);
            }
            else if (blob is null && missing.Count < MaxListed)
            {
                missing.Add(hash);
            }
        }

        var consistent = account.UsedBytes == rowBytes && rowBytes == blobBytes && missing.Count == 0 && orphans.Count == 0;
        return new UsageRecountView(accountId, account.UsedBytes, rowBytes, rows, blobBytes, blobs, missing, orphans, consistent);
    }
}

using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Backazon.Backend.Accounts;
using Backazon.Backend.Catalog;
using Backazon.Backend.Configuration;
using Backazon.Backend.Content;
using Backazon.Backend.Errors;
using Backazon.Backend.Storage;
using Backazon.Backend.Uploads;
using Backazon.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Backazon.Backend.Nightly;

/// <summary>
/// The end of a subscription: a canceled account is purged <see cref="LifecycleOptions.PurgeAfterDays"/>
/// after its cancellation (by the first daily sweep on or after that date), unless the operator
/// holds the purge or the account is reactivated. The purge deletes the catalog, the content
/// (rows and blobs), grants, commits, uploads and devices, then marks the account "purged".
/// It is resumable and repeatable: each step deletes what is still there.
/// </summary>
public sealed class AccountLifecycleService(
    AccountStore accounts, AccountIndex index, CatalogWriter catalog, ReferenceIndex references, StorageClients storage, IOptions<LifecycleOptions> options, TimeProvider clock,
    ILogger<AccountLifecycleService> logger)
{
    private const string CatalogStep = "purge-catalog:";
    private const string RestStep = "purge-rest";

    public DateTimeOffset PurgeAt(AccountEntity account) => account.StatusChangedAt + TimeSpan.FromDays(options.Value.PurgeAfterDays);

    public bool PurgeDue(AccountEntity account, DateTimeOffset now) =>
        account.Status == AccountStatuses.Canceled && !account.PurgeHeld && PurgeAt(account) <= now;

    public async Task<List<ScheduledPurgeView>> ListPurgesAsync(CancellationToken cancellationToken = default)
    {
        var purges = new List<ScheduledPurgeView>();
        await foreach (var accountId in index.LiveAsync(cancellationToken))
        {
            var account = await accounts.Table.GetEntityIfExistsAsync<AccountEntity>(accountId, AccountEntity.Row, cancellationToken: cancellationToken);
            if (account.HasValue && account.Value!.Status == AccountStatuses.Canceled)
            {
                purges.Add(View(account.Value));
            }
        }

        return purges.OrderBy(p => p.PurgeAt).ToList();
    }

    /// <summary>Stops (<paramref name="held"/>) or resumes the scheduled purge of a canceled account.</summary>
    public async Task<ScheduledPurgeView> HoldAsync(string accountId, bool held, CancellationToken cancellationToken = default)
    {
        var account = await accounts.UpdateAccountAsync(accountId, a =>
        {
            if (a.Status != AccountStatuses.Canceled)
            {
                throw BackazonException.Conflict($"The account is {a.Status}: only a canceled account has a purge scheduled.");
            }

            a.PurgeHeld = held;
        }, cancellationToken);
        logger.LogInformation("Purge of account {Account} {Action}.", accountId, held ? "held" : "released");
        return View(account);
    }

    /// <summary>One step of the purge from <paramref name="after"/>; returns where to resume when
    /// the deadline passed, null once the account is purged.</summary>
    public async Task<string?> PurgeAsync(string accountId, string? after, DateTimeOffset deadline, CancellationToken cancellationToken = default)
    {
        if (after is null || after.StartsWith(CatalogStep, StringComparison.Ordinal))
        {
            var from = after?[CatalogStep.Length..];
            var filter = string.IsNullOrEmpty(from)
                ? ContentReleaser.AccountCatalogFilter(accountId)
                : TableClient.CreateQueryFilter($"PartitionKey gt {from} and PartitionKey lt {accountId + "}"}");
            var batch = new List<TableEntity>();
            string? partition = null;
            await foreach (var row in catalog.Table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
            {
                if (row.PartitionKey != partition || batch.Count == 100)
                {
                    await DeleteAsync(catalog.Table, batch, cancellationToken);
                    if (row.PartitionKey != partition && partition is not null && DateTimeOffset.UtcNow >= deadline)
                    {
                        return CatalogStep + partition;
                    }

                    partition = row.PartitionKey;
                }

                batch.Add(row);
            }

            await DeleteAsync(catalog.Table, batch, cancellationToken);
            after = RestStep;
        }

        // The references go with the catalog they stood for.
        await references.RemoveAllAsync(accountId, cancellationToken);

        // Content: each row leaves usage in the same transaction, then its blob goes.
        var content = storage.Blobs.GetBlobContainerClient(StorageNames.ContentContainer);
        await foreach (var row in accounts.Table.QueryAsync<ContentEntity>(RangeFilter(accountId, ContentEntity.RowPrefix, "content;"), cancellationToken: cancellationToken))
        {
            await accounts.DeleteCountedAsync(row, a =>
            {
                if (row.IsVerified)
                {
                    a.UsedBytes -= row.Size;
                }
                else
                {
                    a.ReservedBytes -= row.Size;
                }
            }, evenIfChanged: true, cancellationToken);
            await ContentBlobs.DeleteAsync(content.GetBlobClient(ContentBlobs.Name(accountId, row.Hash)), cancellationToken);
        }

        foreach (var (prefix, end) in new[] { (CommitEntity.RowPrefix, "commit;"), (DeviceEntity.RowPrefix, "device;"), (Devices.RunEntity.RowPrefix, Devices.RunEntity.RowsEnd),
            (ReferenceIndex.CompleteRow, ReferenceIndex.CompleteRow + "~") })
        {
            var rows = new List<TableEntity>();
            await foreach (var row in accounts.Table.QueryAsync<TableEntity>(RangeFilter(accountId, prefix, end), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
            {
                rows.Add(row);
            }

            foreach (var chunk in rows.Chunk(100))
            {
                await DeleteAsync(accounts.Table, chunk.ToList(), cancellationToken);
            }
        }

        // Whatever blobs remain under the account: manifests, orphans.
        foreach (var container in new[] { content, storage.Blobs.GetBlobContainerClient(StorageNames.UploadsContainer) })
        {
            await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, accountId + "/", cancellationToken))
            {
                await ContentBlobs.DeleteAsync(container.GetBlobClient(blob.Name), cancellationToken);
            }
        }

        var now = clock.GetUtcNow();
        await accounts.UpdateAccountAsync(accountId, a =>
        {
            a.Status = AccountStatuses.Purged;
            a.StatusChangedAt = now;
            a.PurgedAt = now;
            a.UsedBytes = 0;
            a.ReservedBytes = 0;
            a.ActiveDevices = 0;
        }, cancellationToken);
        await index.MarkPurgedAsync(accountId, cancellationToken);
        logger.LogWarning("Account {Account} purged (canceled on {CanceledAt:u}).", accountId, now);
        return null;
    }

    private ScheduledPurgeView View(AccountEntity a) =>
        new(a.PartitionKey, a.Name, a.PlanId, a.StatusChangedAt, PurgeAt(a), a.PurgeHeld, a.UsedBytes);

    private static string RangeFilter(string accountId, string from, string to) =>
        TableClient.CreateQueryFilter($"PartitionKey eq {accountId} and RowKey ge {from} and RowKey lt {to}");

    private static async Task DeleteAsync(TableClient table, List<TableEntity> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        await table.DeleteRowsAsync(rows, cancellationToken);
        rows.Clear();
    }
}

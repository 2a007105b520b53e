using Azure;
using Azure.Data.Tables;
using Backazon.Backend.Configuration;
using Backazon.Backend.Errors;
using Backazon.Backend.Plans;
using Backazon.Backend.Security;
using Backazon.Backend.Storage;
using Backazon.Contracts;

namespace Backazon.Backend.Accounts;

/// <summary>Table access for accounts and their devices (one partition per account).</summary>
public sealed class AccountStore(StorageClients storage, PlanCatalog plans, TimeProvider? clock = null)
{
    public TableClient Table { get; } = storage.Tables.GetTableClient(StorageNames.AccountsTable);

    /// <summary>The account, or 404. An id that is not ours in shape is also 404, never 400, so
    /// the answer says nothing about what exists.</summary>
    public async Task<AccountEntity> GetAccountAsync(string accountId, CancellationToken cancellationToken = default)
    {
        if (!DeviceToken.IsId(accountId))
        {
            throw BackazonException.NotFound("The account");
        }

        var response = await Table.GetEntityIfExistsAsync<AccountEntity>(accountId, AccountEntity.Row, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value! : throw BackazonException.NotFound("The account");
    }

    public async Task<DeviceEntity?> FindDeviceAsync(string accountId, string deviceId, CancellationToken cancellationToken = default)
    {
        if (!DeviceToken.IsId(accountId) || !DeviceToken.IsId(deviceId))
        {
            return null;
        }

        var response = await Table.GetEntityIfExistsAsync<DeviceEntity>(accountId, DeviceEntity.RowFor(deviceId), cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    public async Task<List<DeviceEntity>> ListDevicesAsync(string accountId, CancellationToken cancellationToken = default)
    {
        var devices = new List<DeviceEntity>();
        // Row keys "device:..." sort between "device:" and "device;" (';' follows ':').
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {accountId} and RowKey ge {DeviceEntity.RowPrefix} and RowKey lt {"device;"}");
        await foreach (var device in Table.QueryAsync<DeviceEntity>(filter, cancellationToken: cancellationToken))
        {
            devices.Add(device);
        }

        return devices;
    }

    public async Task<AccountView> GetViewAsync(string accountId, CancellationToken cancellationToken = default)
    {
        var account = await GetAccountAsync(accountId, cancellationToken);
        var devices = await ListDevicesAsync(accountId, cancellationToken);
        return new AccountView(
            account.PartitionKey,
            account.Name,
            account.Status,
            PlanCatalog.ToView(plans.Get(account.PlanId)),
            account.UsedBytes,
            account.ReservedBytes,
            devices.OrderBy(d => d.EnrolledAt)
                .Select(d => new DeviceView(d.DeviceId, d.Name, d.EnrolledAt, d.LastSeenAt, d.RevokedAt is not null, d.RejectedUploadsAt((clock ?? TimeProvider.System).GetUtcNow())))
                .ToList(),
            account.CreatedAt);
    }

    /// <summary>
    /// Reads the account, applies <paramref name="change"/> and writes it back only if nobody
    /// changed it meanwhile (ETag); on a race, reads again and reapplies. The change may throw to
    /// refuse, in which case nothing is written.
    /// </summary>
    public Task<AccountEntity> UpdateAccountAsync(
        string accountId, Action<AccountEntity> change, CancellationToken cancellationToken = default) =>
        OptimisticRetry.RunAsync(async ct =>
        {
            var account = await GetAccountAsync(accountId, ct);
            change(account);
            try
            {
                await Table.UpdateEntityAsync(account, account.ETag, TableUpdateMode.Replace, ct);
                return account;
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                // Someone else updated the account first: start over from what they wrote.
                throw OptimisticRetry.Lost(e);
            }
        }, cancellationToken);

    /// <summary>Counts an upload of the device that failed the backend's check (best effort: a
    /// count lost to a long race is no reason to fail the check that found it).</summary>
    public async Task CountRejectedUploadAsync(string accountId, string deviceId, long bytes, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        try
        {
            await OptimisticRetry.RunAsync(async ct =>
            {
                if (await FindDeviceAsync(accountId, deviceId, ct) is not { } device)
                {
                    return;
                }

                device.CountRejection(bytes, now);
                try
                {
                    await Table.UpdateEntityAsync(device, device.ETag, TableUpdateMode.Replace, ct);
                }
                catch (RequestFailedException e) when (e.Status == 412)
                {
                    throw OptimisticRetry.Lost(e);
                }
            }, cancellationToken);
        }
        catch (BackazonException e) when (e.Kind == ProblemKind.Busy)
        {
        }
    }

    /// <summary>
    /// Deletes one row of the account's partition and changes the account's counters in the same
    /// transaction, so usage never disagrees with what it counts. When only the account changed
    /// meanwhile, tries again. When the row is gone, or was changed by someone else, returns false
    /// and leaves their write standing — unless <paramref name="evenIfChanged"/> (a purge).
    /// </summary>
    public Task<bool> DeleteCountedAsync(ITableEntity row, Action<AccountEntity> change, bool evenIfChanged = false,
        CancellationToken cancellationToken = default) =>
        OptimisticRetry.RunAsync(async ct =>
        {
            var account = await GetAccountAsync(row.PartitionKey, ct);
            change(account);
            account.UsedBytes = Math.Max(0, account.UsedBytes);
            account.ReservedBytes = Math.Max(0, account.ReservedBytes);
            try
            {
                await Table.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.Delete, row, row.ETag),
                    new TableTransactionAction(TableTransactionActionType.UpdateReplace, account, account.ETag),
                ], ct);
                return true;
            }
            catch (TableTransactionFailedException e) when (e.Status is 404 or 412)
            {
                var current = await Table.GetEntityIfExistsAsync<TableEntity>(row.PartitionKey, row.RowKey, select: ["RowKey"], cancellationToken: ct);
                if (!current.HasValue)
                {
                    return false;
                }

                if (current.Value!.ETag != row.ETag)
                {
                    if (!evenIfChanged)
                    {
                        return false;
                    }

                    row.ETag = current.Value.ETag;
                }

                throw OptimisticRetry.Lost(e);
            }
        }, cancellationToken);
}

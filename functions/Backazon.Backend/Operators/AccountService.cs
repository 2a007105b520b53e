using Azure;
using Azure.Data.Tables;
using Backazon.Backend.Accounts;
using Backazon.Backend.Errors;
using Backazon.Backend.Plans;
using Backazon.Backend.Security;
using Backazon.Contracts;

namespace Backazon.Backend.Operators;

/// <summary>The operator's view of accounts: open, show, change plan or status, revoke devices.</summary>
public sealed class AccountService(AccountStore store, AccountIndex index, PlanCatalog plans, TimeProvider clock)
{
    public const int MaxNameLength = 200;

    /// <summary>Accounts per page of the operator's list.</summary>
    public const int ListPageSize = 100;

    public async Task<AccountView> CreateAsync(CreateAccountRequest request, CancellationToken cancellationToken = default)
    {
        var plan = plans.Get(BackazonException.Require(request.Plan, "plan"));
        var name = ValidName(request.Name, "name", required: false) ?? "";
        var now = clock.GetUtcNow();
        var account = new AccountEntity
        {
            PartitionKey = Secrets.NewId(),
            Name = name,
            PlanId = plan.Id,
            Status = AccountStatuses.Active,
            CreatedAt = now,
            StatusChangedAt = now,
        };
        await index.AddAsync(account.PartitionKey, cancellationToken);
        // A new account has no versions, so its references are complete from the start.
        await store.Table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.Add, account),
            new TableTransactionAction(TableTransactionActionType.Add, Catalog.ReferenceIndex.CompleteMarker(account.PartitionKey)),
        ], cancellationToken);
        return await store.GetViewAsync(account.PartitionKey, cancellationToken);
    }

    /// <summary>The accounts a page at a time, in id order: one page of the account index and a
    /// read per account on it, so a large deployment costs the same per call as a small one.</summary>
    public async Task<AccountPage> ListAsync(string? continuation, CancellationToken cancellationToken = default)
    {
        (IReadOnlyList<string> Ids, string? Continuation) page;
        try
        {
            page = await index.PageAsync(string.IsNullOrEmpty(continuation) ? null : continuation, ListPageSize, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 400)
        {
            // A continuation that is not one the table gave (storage refuses to read it).
            throw BackazonException.BadRequest("The continuation is not one this list gave.", "continuation");
        }

        var rows = await Task.WhenAll(page.Ids.Select(id => store.Table.GetEntityIfExistsAsync<AccountEntity>(id, AccountEntity.Row, cancellationToken: cancellationToken)));
        return new AccountPage(
            [.. rows.Where(r => r.HasValue).Select(r => r.Value!).Select(a => new AccountSummary(a.PartitionKey, a.Name, a.Status, a.PlanId, a.UsedBytes, a.ActiveDevices, a.CreatedAt))],
            page.Continuation);
    }

    public Task<AccountView> GetAsync(string accountId, CancellationToken cancellationToken = default) =>
        store.GetViewAsync(accountId, cancellationToken);

    public async Task<AccountView> UpdateAsync(string accountId, UpdateAccountRequest request, CancellationToken cancellationToken = default)
    {
        if (request.Plan is null && request.Status is null)
        {
            throw BackazonException.BadRequest("Give a 'plan' or a 'status' to change.", "plan");
        }

        var plan = request.Plan is null ? null : plans.Get(request.Plan);
        if (request.Status is not null && !AccountStatuses.All.Contains(request.Status))
        {
            throw BackazonException.BadRequest(
                $"There is no status '{request.Status}'. Statuses: {string.Join(", ", AccountStatuses.All)}.", "status");
        }

        var now = clock.GetUtcNow();
        await store.UpdateAccountAsync(accountId, account =>
        {
            if (account.Status == AccountStatuses.Purged)
            {
                throw BackazonException.Conflict("The account was purged: its data is gone and it cannot change. Open a new account.");
            }

            if (plan is not null)
            {
                // A downgrade never deletes anything: uploads are refused until usage fits.
                account.PlanId = plan.Id;
            }

            if (request.Status is not null && request.Status != account.Status)
            {
                account.Status = request.Status;
                account.StatusChangedAt = now;
                account.PurgeHeld = false; // a hold belongs to one cancellation
            }
        }, cancellationToken);
        return await store.GetViewAsync(accountId, cancellationToken);
    }

    /// <summary>Revokes a device: its token stops working at once. Revoking twice is harmless.</summary>
    public Task<AccountView> RevokeDeviceAsync(string accountId, string deviceId, CancellationToken cancellationToken = default) =>
        OptimisticRetry.RunAsync(async ct =>
        {
            var account = await store.GetAccountAsync(accountId, ct);
            var device = await store.FindDeviceAsync(accountId, deviceId, ct)
                ?? throw BackazonException.NotFound("The device");
            if (device.RevokedAt is not null)
            {
                return await store.GetViewAsync(accountId, ct);
            }

            device.RevokedAt = clock.GetUtcNow();
            account.ActiveDevices = Math.Max(0, account.ActiveDevices - 1);
            try
            {
                // One transaction: the device count and the device cannot disagree.
                await store.Table.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.UpdateReplace, account, account.ETag),
                    new TableTransactionAction(TableTransactionActionType.UpdateReplace, device, device.ETag),
                ], ct);
                return await store.GetViewAsync(accountId, ct);
            }
            catch (TableTransactionFailedException e) when (e.Status == 412)
            {
                // Raced with another change to this account: read again.
                throw OptimisticRetry.Lost(e);
            }
        }, cancellationToken);

    /// <summary>Clears a device's count of uploads that failed the check, so a device stopped by
    /// it backs up again at once (an honest one whose files kept changing under it, say).</summary>
    public Task<AccountView> ClearRejectionsAsync(string accountId, string deviceId, CancellationToken cancellationToken = default) =>
        OptimisticRetry.RunAsync(async ct =>
        {
            var device = await store.FindDeviceAsync(accountId, deviceId, ct)
                ?? throw BackazonException.NotFound("The device");
            device.ClearRejections();
            try
            {
                await store.Table.UpdateEntityAsync(device, device.ETag, TableUpdateMode.Replace, ct);
                return await store.GetViewAsync(accountId, ct);
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                throw OptimisticRetry.Lost(e);
            }
        }, cancellationToken);

    /// <summary>A display name: optional or required, at most 200 characters, no control characters.</summary>
    public static string? ValidName(string? value, string field, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return required ? throw BackazonException.BadRequest($"The field '{field}' is required.", field) : null;
        }

        var name = value.Trim();
        if (name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            throw BackazonException.BadRequest(
                $"The field '{field}' must be at most {MaxNameLength} characters with no control characters.", field);
        }

        return name;
    }
}

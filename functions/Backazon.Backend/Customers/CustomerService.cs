using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Backazon.Backend.Accounts;
using Backazon.Backend.Errors;
using Backazon.Backend.Operators;
using Backazon.Backend.Plans;
using Backazon.Backend.Security;
using Backazon.Contracts;

namespace Backazon.Backend.Customers;

/// <summary>
/// What a signed-in member sees and does: the account and its computers, renaming or revoking one.
/// Every id is looked up inside the caller's own account partition, so another account's ids are
/// simply not found (404), never refused in a way that says they exist.
/// </summary>
public sealed class CustomerService(AccountStore accounts, AccountService accountService, MembershipService members, PlanCatalog plans)
{
    public async Task<CustomerAccountView> GetAccountAsync(CustomerCaller caller, CancellationToken cancellationToken = default)
    {
        var account = await accounts.GetAccountAsync(caller.AccountId, cancellationToken);
        var plan = plans.Get(account.PlanId);
        return new CustomerAccountView(account.PartitionKey, account.Name, account.Status, PlanCatalog.ToView(plan),
            account.UsedBytes, plan.StorageQuotaBytes, await members.GetAsync(caller, cancellationToken), await ListDevicesAsync(caller, cancellationToken),
            caller.Identity.Email ?? caller.Identity.Subject);
    }

    public async Task<IReadOnlyList<CustomerDeviceView>> ListDevicesAsync(CustomerCaller caller, CancellationToken cancellationToken = default) =>
        [.. (await accounts.ListDevicesAsync(caller.AccountId, cancellationToken)).OrderBy(d => d.EnrolledAt).Select(View)];

    public async Task<CustomerDeviceView> RenameDeviceAsync(CustomerCaller caller, string deviceId, RenameDeviceRequest request, CancellationToken cancellationToken = default)
    {
        var name = AccountService.ValidName(request.Name, "name", required: true)!;
        var device = await DeviceAsync(caller, deviceId, cancellationToken);
        device.Name = name;
        try
        {
            await accounts.Table.UpdateEntityAsync(device, device.ETag, TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            // A report or a sign of life of the device wrote between: write only the name.
            await accounts.Table.UpdateEntityAsync(new TableEntity(device.PartitionKey, device.RowKey) { [nameof(DeviceEntity.Name)] = name },
                ETag.All, TableUpdateMode.Merge, cancellationToken);
        }

        return View((await accounts.FindDeviceAsync(caller.AccountId, deviceId, cancellationToken))!);
    }

    /// <summary>Revokes a computer (a lost laptop): its token stops working at once; its backups stay.</summary>
    public async Task<CustomerDeviceView> RevokeDeviceAsync(CustomerCaller caller, string deviceId, CancellationToken cancellationToken = default)
    {
        await DeviceAsync(caller, deviceId, cancellationToken);
        await accountService.RevokeDeviceAsync(caller.AccountId, deviceId, cancellationToken);
        return View((await accounts.FindDeviceAsync(caller.AccountId, deviceId, cancellationToken))!);
    }

    /// <summary>The owner says the uploads of this computer that failed the check were not its
    /// fault (its files kept changing under it): the count that stops its backups starts over.</summary>
    public async Task<CustomerDeviceView> ClearRejectionsAsync(CustomerCaller caller, string deviceId, CancellationToken cancellationToken = default)
    {
        await DeviceAsync(caller, deviceId, cancellationToken);
        await accountService.ClearRejectionsAsync(caller.AccountId, deviceId, cancellationToken);
        return View((await accounts.FindDeviceAsync(caller.AccountId, deviceId, cancellationToken))!);
    }

    /// <summary>The caller's account seen as one of its devices would see it, for the browse and
    /// restore services the device routes use (they scope everything to this account).</summary>
    public async Task<DeviceCaller> AsDeviceAsync(CustomerCaller caller, string deviceId, CancellationToken cancellationToken = default)
    {
        var device = await DeviceAsync(caller, deviceId, cancellationToken);
        return new DeviceCaller(caller.AccountId, device.DeviceId);
    }

    private async Task<DeviceEntity> DeviceAsync(CustomerCaller caller, string deviceId, CancellationToken cancellationToken) =>
        await accounts.FindDeviceAsync(caller.AccountId, deviceId, cancellationToken) ?? throw BackazonException.NotFound("The device");

    private static CustomerDeviceView View(DeviceEntity device)
    {
        var report = device.LastReport is null ? null : JsonSerializer.Deserialize<RunReport>(device.LastReport, JsonSerializerOptions.Web);
        return new CustomerDeviceView(device.DeviceId, device.Name, device.Os, device.EnrolledAt, device.LastSeenAt, device.LastBackupAt,
            device.StaleSince is not null, report?.Skipped, report?.Complete ?? false, device.RevokedAt is not null);
    }
}

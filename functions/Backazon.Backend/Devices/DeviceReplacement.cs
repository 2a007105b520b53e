using Azure.Data.Tables;
using Backazon.Backend.Accounts;
using Backazon.Backend.Errors;
using Backazon.Backend.Plans;
using Backazon.Backend.Security;
using Backazon.Contracts;

namespace Backazon.Backend.Devices;

/// <summary>
/// A new computer taking over a dead one's backup (<c>enroll --replaces</c>, or a member's
/// approval naming the computer to replace): the new computer gets the old device's id with a
/// new secret, so its catalog, runs and versions simply continue, and the old secret stops
/// working. Taking over the id costs one row write whatever the device holds; moving catalog
/// rows to a new id would cost a write per version ever kept. The old secret's hash is kept so
/// the replaced computer, if it comes back, is told why it is refused.
/// </summary>
public sealed class DeviceReplacement(AccountStore accounts, PlanCatalog plans)
{
    /// <summary>The account's device a person means by <paramref name="nameOrId"/>: its id, or its
    /// name (a computer still active before a revoked one of the same name).</summary>
    public async Task<DeviceEntity> FindAsync(string accountId, string nameOrId, CancellationToken cancellationToken)
    {
        var devices = await accounts.ListDevicesAsync(accountId, cancellationToken);
        if (devices.FirstOrDefault(d => d.DeviceId == nameOrId) is { } byId)
        {
            return byId;
        }

        var named = devices.Where(d => d.Name == nameOrId).ToList();
        if (named.Count > 1 && named.Count(d => d.RevokedAt is null) == 1)
        {
            named = [.. named.Where(d => d.RevokedAt is null)];
        }

        return named.Count switch
        {
            1 => named[0],
            0 => throw BackazonException.BadRequest(devices.Count == 0
                ? $"The account has no computer called '{nameOrId}' to replace: it has none yet. Enroll without --replaces."
                : $"The account has no computer called '{nameOrId}' to replace. Its computers: {string.Join(", ", devices.Select(d => $"{d.Name} ({d.DeviceId})"))}.",
                "replaces"),
            _ => throw BackazonException.BadRequest(
                $"Several computers of the account are called '{nameOrId}'; give the id of the one to replace: {string.Join(", ", named.Select(d => d.DeviceId))}.",
                "replaces"),
        };
    }

    /// <summary>Gives <paramref name="deviceId"/> to a new computer: new name, OS and secret, revoked
    /// no more (a revoked device counts against the plan's device limit again). Returns the old
    /// name. Refusals are BackazonExceptions, nothing written.</summary>
    public Task<string> ReplaceAsync(string accountId, string deviceId, string name, string? os, string secret, DateTimeOffset now, CancellationToken cancellationToken) =>
        OptimisticRetry.RunAsync(async ct =>
        {
            var account = await accounts.GetAccountAsync(accountId, ct);
            if (account.Status is AccountStatuses.Canceled or AccountStatuses.Purged)
            {
                throw BackazonException.Conflict($"The account is {account.Status}; no computer can be enrolled.");
            }

            var device = await accounts.FindDeviceAsync(accountId, deviceId, ct)
                ?? throw BackazonException.BadRequest("The computer to replace is not a device of this account.", "replaces");
            var actions = new List<TableTransactionAction>();
            if (device.RevokedAt is not null)
            {
                var plan = plans.Get(account.PlanId);
                if (account.ActiveDevices >= plan.DeviceLimit)
                {
                    throw BackazonException.Conflict(
                        $"'{device.Name}' was revoked, and taking it over would make {account.ActiveDevices + 1} devices where the {plan.DisplayName} plan allows {plan.DeviceLimit}; " +
                        "revoke another one first.");
                }

                account.ActiveDevices++;
                actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, account, account.ETag));
            }

            var oldName = device.Name;
            device.ReplacedSecretHash = device.SecretHash;
            device.ReplacedName = oldName;
            device.ReplacedAt = now;
            device.SecretHash = Secrets.Hash(secret);
            device.Name = name;
            device.Os = os;
            device.RevokedAt = null;
            device.LastSeenAt = null;
            device.ClearRejections(); // counted against the old computer, not this one
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, device, device.ETag));
            try
            {
                await accounts.Table.SubmitTransactionAsync(actions, ct);
            }
            catch (TableTransactionFailedException e) when (e.Status == 412)
            {
                throw OptimisticRetry.Lost(e);
            }

            return oldName;
        }, cancellationToken);
}

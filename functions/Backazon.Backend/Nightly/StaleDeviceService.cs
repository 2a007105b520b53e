using System.Net.Http.Json;
using Azure;
using Azure.Data.Tables;
using Backazon.Backend.Accounts;
using Backazon.Backend.Configuration;
using Backazon.Backend.Messages;
using Backazon.Backend.Storage;
using Backazon.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Backazon.Backend.Nightly;

/// <summary>
/// Flags devices with no completed backup (their last one, or their enrollment if none) for
/// longer than <see cref="LifecycleOptions.StaleDeviceHours"/>, in accounts that are expected to
/// back up (active or past due); calls the optional webhook once per device each time it becomes
/// stale. The flag is written before the call, so two sweeps never both flag; a failed call is
/// retried by the next sweep. A device that completes a backup again is unflagged.
/// </summary>
public sealed class StaleDeviceService(
    AccountStore accounts, AccountIndex index, IHttpClientFactory http, IOptions<LifecycleOptions> options, TimeProvider clock, ILogger<StaleDeviceService> logger)
{
    /// <summary>Checks one account's devices; returns how many were newly flagged.</summary>
    public async Task<int> CheckAccountAsync(AccountEntity account, CancellationToken cancellationToken = default)
    {
        var backingUp = account.Status is AccountStatuses.Active or AccountStatuses.PastDue;
        var now = clock.GetUtcNow();
        var flagged = 0;
        foreach (var device in await accounts.ListDevicesAsync(account.PartitionKey, cancellationToken))
        {
            var last = device.LastBackupAt ?? device.EnrolledAt;
            var stale = backingUp && device.RevokedAt is null && now - last >= options.Value.StaleDeviceAge;
            if (!stale && device.StaleSince is not null)
            {
                device.StaleSince = null;
                device.StaleNotifiedAt = null;
                await accounts.Table.TryReplaceAsync(device, cancellationToken);
            }
            else if (stale && device.StaleSince is null)
            {
                device.StaleSince = now;
                if (await accounts.Table.TryReplaceAsync(device, cancellationToken))
                {
                    flagged++;
                    await NotifyAsync(device, cancellationToken);
                }
            }
            else if (stale && device.StaleNotifiedAt is null)
            {
                await NotifyAsync(device, cancellationToken);
            }
        }

        return flagged;
    }

    public async Task<List<StaleDeviceView>> ListAsync(CancellationToken cancellationToken = default)
    {
        var devices = new List<StaleDeviceView>();
        // Account by account (from the index): a query per account, never one over the table.
        await foreach (var accountId in index.LiveAsync(cancellationToken))
        {
            await foreach (var d in accounts.Table.QueryAsync<DeviceEntity>(
                TableClient.CreateQueryFilter($"PartitionKey eq {accountId} and RowKey ge {DeviceEntity.RowPrefix} and RowKey lt {"device;"} and StaleSince ge {DateTimeOffset.UnixEpoch}"),
                cancellationToken: cancellationToken))
            {
                devices.Add(new StaleDeviceView(d.PartitionKey, d.DeviceId, d.Name, d.EnrolledAt, d.LastBackupAt, d.StaleSince!.Value, d.StaleNotifiedAt));
            }
        }

        return devices.OrderBy(d => d.StaleSince).ToList();
    }

    private async Task NotifyAsync(DeviceEntity device, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.Value.StaleDeviceWebhookUrl))
        {
            return;
        }

        try
        {
            using var client = http.CreateClient(nameof(StaleDeviceService));
            client.Timeout = TimeSpan.FromSeconds(10);
            var body = new StaleDeviceNotification(StaleDeviceNotification.StaleEvent, device.PartitionKey, device.DeviceId, device.Name, device.LastBackupAt, device.StaleSince!.Value);
            using var response = await client.PostAsJsonAsync(options.Value.StaleDeviceWebhookUrl, body, RetentionMessage.Json, cancellationToken);
            response.EnsureSuccessStatusCode();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Stale-device webhook failed for device {Device}: {Error}; retried by the next sweep.", device.DeviceId, e.Message);
            return;
        }

        device.StaleNotifiedAt = clock.GetUtcNow();
        await accounts.Table.TryReplaceAsync(device, cancellationToken);
    }

}

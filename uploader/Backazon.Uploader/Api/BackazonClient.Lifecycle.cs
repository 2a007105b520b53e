using Backazon.Contracts;

namespace Backazon.Uploader.Api;

/// <summary>Operator calls for the subscription lifecycle: purges, stale devices, recounts.</summary>
public sealed partial class BackazonClient
{
    public Task<List<ScheduledPurgeView>> ListPurgesAsync(CancellationToken cancellationToken = default) =>
        SendAsync<List<ScheduledPurgeView>>(HttpMethod.Get, "admin/purges", null, cancellationToken);

    public Task<ScheduledPurgeView> HoldPurgeAsync(string accountId, bool held, CancellationToken cancellationToken = default) =>
        SendAsync<ScheduledPurgeView>(held ? HttpMethod.Put : HttpMethod.Delete, $"admin/purges/{Uri.EscapeDataString(accountId)}/hold", null, cancellationToken);

    public Task<List<StaleDeviceView>> ListStaleDevicesAsync(CancellationToken cancellationToken = default) =>
        SendAsync<List<StaleDeviceView>>(HttpMethod.Get, "admin/stale-devices", null, cancellationToken);

    public Task<UsageRecountView> RecountAsync(string accountId, CancellationToken cancellationToken = default) =>
        SendAsync<UsageRecountView>(HttpMethod.Post, $"admin/accounts/{Uri.EscapeDataString(accountId)}/recount", null, cancellationToken);
}

using Backazon.Backend.Nightly;
using Backazon.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Backazon.Functions;

/// <summary>The operator's view of the subscription lifecycle: scheduled purges (and holding
/// one), stale devices, and usage recounts.</summary>
public sealed class LifecycleFunctions(ApiEndpoint api, AccountLifecycleService lifecycle, StaleDeviceService staleDevices, UsageRecounter recounter)
{
    [Function(nameof(ListPurges))]
    public Task<IActionResult> ListPurges(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/purges")] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.OperatorAsync(request, async () => new OkObjectResult(await lifecycle.ListPurgesAsync(cancellationToken)));

    [Function(nameof(HoldPurge))]
    public Task<IActionResult> HoldPurge(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "admin/purges/{accountId}/hold")] HttpRequest request,
        string accountId,
        CancellationToken cancellationToken) =>
        api.OperatorAsync(request, async () => new OkObjectResult(await lifecycle.HoldAsync(accountId, held: true, cancellationToken)));

    [Function(nameof(ReleasePurgeHold))]
    public Task<IActionResult> ReleasePurgeHold(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "admin/purges/{accountId}/hold")] HttpRequest request,
        string accountId,
        CancellationToken cancellationToken) =>
        api.OperatorAsync(request, async () => new OkObjectResult(await lifecycle.HoldAsync(accountId, held: false, cancellationToken)));

    [Function(nameof(ListStaleDevices))]
    public Task<IActionResult> ListStaleDevices(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/stale-devices")] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.OperatorAsync(request, async () => new OkObjectResult(await staleDevices.ListAsync(cancellationToken)));

    [Function(nameof(RecountUsage))]
    public Task<IActionResult> RecountUsage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "admin/accounts/{accountId}/recount")] HttpRequest request,
        string accountId,
        CancellationToken cancellationToken) =>
        api.OperatorAsync(request, async () => new OkObjectResult(await recounter.RecountAsync(accountId, cancellationToken)));
}

using Backazon.Backend.Devices;
using Backazon.Backend.Operators;
using Backazon.Contracts;
using Backazon.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Backazon.Functions;

/// <summary>Device identity: enrollment (with a code, no token yet), the device's own status and
/// its history of backup runs.</summary>
public sealed class DeviceFunctions(ApiEndpoint api, EnrollmentService enrollment, AccountService accounts, RunReportService runs)
{
    [Function(nameof(Enroll))]
    public Task<IActionResult> Enroll(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "devices/enroll")] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.AnonymousAsync(request, async () =>
        {
            var body = await ApiEndpoint.ReadJsonAsync<EnrollRequest>(request);
            return new OkObjectResult(await enrollment.EnrollAsync(body, cancellationToken));
        });

    /// <summary>The caller's own account: plan, usage, devices. Never another account's.</summary>
    [Function(nameof(DeviceStatus))]
    public Task<IActionResult> DeviceStatus(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "device/status")] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.DeviceAsync(request, async caller => new OkObjectResult(await accounts.GetAsync(caller.AccountId, cancellationToken)));

    /// <summary>Backup runs of the caller's device (or another of its account), newest first, a
    /// page at a time (reports arrive by POST on the same route, in <see cref="UploadFunctions"/>).</summary>
    [Function(nameof(ListRuns))]
    public Task<IActionResult> ListRuns(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "device/runs")] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.DeviceAsync(request, async caller =>
        {
            var query = request.Query;
            return new OkObjectResult(await runs.ListAsync(caller, QueryValues.Text(query["device"]), QueryValues.Text(query["continuation"]),
                QueryValues.Number(query["limit"], "limit"), cancellationToken));
        });
}

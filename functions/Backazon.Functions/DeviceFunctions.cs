using Backazon.Backend.Accounts;
using Backazon.Backend.Devices;
using Backazon.Contracts;
using Backazon.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Backazon.Functions;

/// <summary>Device identity: enrollment (with a code, no token yet) and the device's own status.</summary>
public sealed class DeviceFunctions(ApiEndpoint api, EnrollmentService enrollment, AccountService accounts)
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
}

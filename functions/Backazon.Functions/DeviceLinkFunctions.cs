using Backazon.Backend.Customers;
using Backazon.Contracts;
using Backazon.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Backazon.Functions;

/// <summary>A computer asking to be linked (RFC 8628: device authorization, then polling with the
/// device code); no token yet. The approval is a customer route (<see cref="CustomerFunctions"/>).</summary>
public sealed class DeviceLinkFunctions(ApiEndpoint api, DeviceLinkService links)
{
    /// <summary>Where a member enters the code: the web page's linking screen on this server
    /// (the page is served under the API's prefix; its screens are named after the '#').</summary>
    public const string VerificationPath = "api/web/#/link";

    [Function(nameof(StartDeviceLink))]
    public Task<IActionResult> StartDeviceLink(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "devices/link")] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.AnonymousAsync(request, async () =>
        {
            var body = await ApiEndpoint.ReadJsonAsync<DeviceLinkRequest>(request);
            return new OkObjectResult(await links.StartAsync(body, new Uri(ApiEndpoint.PublicBase(request), VerificationPath), cancellationToken));
        });

    [Function(nameof(PollDeviceLink))]
    public Task<IActionResult> PollDeviceLink(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "devices/link/token")] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.AnonymousAsync(request, async () =>
            new OkObjectResult(await links.PollAsync(await ApiEndpoint.ReadJsonAsync<DeviceTokenRequest>(request), cancellationToken)));
}

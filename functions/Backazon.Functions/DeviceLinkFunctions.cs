using Backazon.Backend.Configuration;
using Backazon.Backend.Customers;
using Backazon.Contracts;
using Backazon.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Backazon.Functions;

/// <summary>A computer asking to be linked (RFC 8628: device authorization, then polling with the
/// device code); no token yet. The approval is a customer route (<see cref="CustomerFunctions"/>).</summary>
public sealed class DeviceLinkFunctions(ApiEndpoint api, DeviceLinkService links, LinkRequestLimiter limiter, ExpiredCodeCleaner cleaner)
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
            limiter.Take(ClientAddress(request));
            var body = await ApiEndpoint.ReadJsonAsync<DeviceLinkRequest>(request);
            return new OkObjectResult(await links.StartAsync(body, new Uri(ApiEndpoint.PublicBase(request), VerificationPath), cancellationToken));
        });

    [Function(nameof(PollDeviceLink))]
    public Task<IActionResult> PollDeviceLink(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "devices/link/token")] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.AnonymousAsync(request, async () =>
            new OkObjectResult(await links.PollAsync(await ApiEndpoint.ReadJsonAsync<DeviceTokenRequest>(request), cancellationToken)));

    /// <summary>Deletes link codes and invitations a day after they expired, on the grant sweep's
    /// schedule (what came due only).</summary>
    [Function(nameof(CleanExpiredCodes))]
    public Task CleanExpiredCodes(
        [TimerTrigger("%" + AppSettings.GrantSweepSchedule + "%")] TimerInfo timer,
        CancellationToken cancellationToken) =>
        cleaner.CleanAsync(cancellationToken);

    /// <summary>
    /// Who asks, as the Functions host sees it: behind Azure's front end the connection is the
    /// front end's, and the caller's address is the last X-Forwarded-For entry, the one the front
    /// end appended (earlier entries come from the client and can be anything). Without the
    /// header (the local host), the connection's address.
    /// </summary>
    public static string ClientAddress(HttpRequest request)
    {
        var forwarded = request.Headers["X-Forwarded-For"].ToString();
        var last = forwarded.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        if (last is not null)
        {
            // Azure adds the client's port ("203.0.113.7:51234", "[2001:db8::1]:51234").
            return System.Net.IPEndPoint.TryParse(last, out var endpoint) ? endpoint.Address.ToString() : last;
        }

        return request.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }
}

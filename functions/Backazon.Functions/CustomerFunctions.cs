using Backazon.Backend.Customers;
using Backazon.Backend.Devices;
using Backazon.Backend.Restores;
using Backazon.Contracts;
using Backazon.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Backazon.Functions;

/// <summary>
/// The customer API (a signed-in member's bearer token): the account and its computers, browsing
/// and restoring any of them as of any moment (the services the device routes use), renaming or
/// revoking one, and approving a computer that asks to be linked. Every id is looked up in the
/// caller's own account: another account's ids answer 404.
/// </summary>
public sealed class CustomerFunctions(
    ApiEndpoint api, CustomerService customers, MembershipService members, RestoreService restores, RunReportService runs, DeviceLinkService links,
    UploaderBuilds uploader, IOptions<CustomerSignInOptions> signIn)
{
    /// <summary>No auth: what a web page needs to start signing a customer in.</summary>
    [Function(nameof(SignInConfiguration))]
    public IActionResult SignInConfiguration(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "sign-in")] HttpRequest request) =>
        new OkObjectResult(signIn.Value.Enabled
            ? new SignInConfigurationView(signIn.Value.Authority, signIn.Value.ClientId, signIn.Value.Scope)
            : new SignInConfigurationView(null, null, null));

    [Function(nameof(AcceptInvitation))]
    public Task<IActionResult> AcceptInvitation(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "me/invitations/accept")] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.SignedInAsync(request, async identity =>
            new OkObjectResult(await members.AcceptAsync(identity, await ApiEndpoint.ReadJsonAsync<AcceptInvitationRequest>(request), cancellationToken)));

    [Function(nameof(MyAccount))]
    public Task<IActionResult> MyAccount(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me/account")] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.CustomerAsync(request, async caller => new OkObjectResult(await customers.GetAccountAsync(caller, cancellationToken)));

    /// <summary>The uploader builds this server offers, each behind a short-lived read link.</summary>
    [Function(nameof(UploaderDownloads))]
    public Task<IActionResult> UploaderDownloads(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me/uploader")] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.CustomerAsync(request, async _ => new OkObjectResult(await uploader.ListAsync(cancellationToken)));

    [Function(nameof(MyDevices))]
    public Task<IActionResult> MyDevices(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me/devices")] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.CustomerAsync(request, async caller => new OkObjectResult(await customers.ListDevicesAsync(caller, cancellationToken)));

    [Function(nameof(RenameMyDevice))]
    public Task<IActionResult> RenameMyDevice(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "me/devices/{deviceId}")] HttpRequest request,
        string deviceId,
        CancellationToken cancellationToken) =>
        api.CustomerAsync(request, async caller =>
            new OkObjectResult(await customers.RenameDeviceAsync(caller, deviceId, await ApiEndpoint.ReadJsonAsync<RenameDeviceRequest>(request), cancellationToken)));

    [Function(nameof(RevokeMyDevice))]
    public Task<IActionResult> RevokeMyDevice(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "me/devices/{deviceId}/revoke")] HttpRequest request,
        string deviceId,
        CancellationToken cancellationToken) =>
        api.CustomerAsync(request, async caller => new OkObjectResult(await customers.RevokeDeviceAsync(caller, deviceId, cancellationToken)));

    [Function(nameof(ClearMyDeviceRejections))]
    public Task<IActionResult> ClearMyDeviceRejections(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "me/devices/{deviceId}/rejections")] HttpRequest request,
        string deviceId,
        CancellationToken cancellationToken) =>
        api.CustomerAsync(request, async caller => new OkObjectResult(await customers.ClearRejectionsAsync(caller, deviceId, cancellationToken)));

    /// <summary>A computer's backup runs, newest first, a page at a time (query as device/runs).</summary>
    [Function(nameof(ListMyDeviceRuns))]
    public Task<IActionResult> ListMyDeviceRuns(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me/devices/{deviceId}/runs")] HttpRequest request,
        string deviceId,
        CancellationToken cancellationToken) =>
        api.CustomerAsync(request, async caller =>
            new OkObjectResult(await runs.ListAsync(await customers.AsDeviceAsync(caller, deviceId, cancellationToken), null,
                QueryValues.Text(request.Query["continuation"]), QueryValues.Number(request.Query["limit"], "limit"), cancellationToken)));

    /// <summary>A folder of one of the account's computers as of a moment (query as catalog/list,
    /// and "limit" for a page smaller than the usual 1,000 items).</summary>
    [Function(nameof(ListMyDeviceCatalog))]
    public Task<IActionResult> ListMyDeviceCatalog(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me/devices/{deviceId}/catalog")] HttpRequest request,
        string deviceId,
        CancellationToken cancellationToken) =>
        api.CustomerAsync(request, async caller =>
        {
            var device = await customers.AsDeviceAsync(caller, deviceId, cancellationToken);
            var query = request.Query;
            return new OkObjectResult(await restores.ListAsync(device, null, QueryValues.Text(query["path"]), QueryValues.At(query["at"]),
                QueryValues.Flag(query["deleted"], "deleted"), QueryValues.Flag(query["recursive"], "recursive"), QueryValues.Text(query["continuation"]), cancellationToken,
                QueryValues.Number(query["limit"], "limit")));
        });

    [Function(nameof(ListMyDeviceVersions))]
    public Task<IActionResult> ListMyDeviceVersions(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me/devices/{deviceId}/versions")] HttpRequest request,
        string deviceId,
        CancellationToken cancellationToken) =>
        api.CustomerAsync(request, async caller =>
            new OkObjectResult(await restores.VersionsAsync(await customers.AsDeviceAsync(caller, deviceId, cancellationToken), null,
                QueryValues.Text(request.Query["path"]), cancellationToken)));

    /// <summary>Signed links to restore from one of the account's computers (body as POST restores;
    /// its deviceId is the route's).</summary>
    [Function(nameof(CreateMyRestoreManifest))]
    public Task<IActionResult> CreateMyRestoreManifest(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "me/devices/{deviceId}/restores")] HttpRequest request,
        string deviceId,
        CancellationToken cancellationToken) =>
        api.CustomerAsync(request, async caller =>
        {
            var device = await customers.AsDeviceAsync(caller, deviceId, cancellationToken);
            var body = await ApiEndpoint.ReadJsonAsync<RestoreRequest>(request);
            return new OkObjectResult(await restores.ManifestAsync(device, body with { DeviceId = null }, cancellationToken));
        });

    /// <summary>The chunks of a chunked content of the account (its hash as in a restore item):
    /// what the web page checks a big file's download against, chunk by chunk.</summary>
    [Function(nameof(MyContentChunks))]
    public Task<IActionResult> MyContentChunks(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me/contents/{hash}/chunks")] HttpRequest request,
        string hash,
        CancellationToken cancellationToken) =>
        api.CustomerAsync(request, async caller => new OkObjectResult(await restores.ChunksAsync(caller.AccountId, hash, cancellationToken)));

    /// <summary>A computer waiting with this code: its name, OS and when it asked.</summary>
    [Function(nameof(GetDeviceLink))]
    public Task<IActionResult> GetDeviceLink(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me/device-links/{userCode}")] HttpRequest request,
        string userCode,
        CancellationToken cancellationToken) =>
        api.CustomerAsync(request, async _ => new OkObjectResult(await links.GetAsync(userCode, cancellationToken)));

    [Function(nameof(ApproveDeviceLink))]
    public Task<IActionResult> ApproveDeviceLink(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "me/device-links/{userCode}/approve")] HttpRequest request,
        string userCode,
        CancellationToken cancellationToken) =>
        api.CustomerAsync(request, async caller =>
        {
            // The body is optional: {"replaces": "<device id>"} makes the new computer take that one over.
            var body = request.ContentLength == 0 ? null : await ApiEndpoint.ReadJsonAsync<ApproveDeviceLinkRequest>(request);
            return new OkObjectResult(await links.ApproveAsync(caller, userCode, body?.Replaces, cancellationToken));
        });

    [Function(nameof(DenyDeviceLink))]
    public Task<IActionResult> DenyDeviceLink(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "me/device-links/{userCode}/deny")] HttpRequest request,
        string userCode,
        CancellationToken cancellationToken) =>
        api.CustomerAsync(request, async caller => new OkObjectResult(await links.DenyAsync(caller, userCode, cancellationToken)));
}

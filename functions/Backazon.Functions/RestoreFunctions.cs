using Backazon.Backend.Restores;
using Backazon.Contracts;
using Backazon.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Backazon.Functions;

/// <summary>Browse the catalog as of any moment, and get signed download links to restore.</summary>
public sealed class RestoreFunctions(ApiEndpoint api, RestoreService restores)
{
    [Function(nameof(ListCatalog))]
    public Task<IActionResult> ListCatalog(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "catalog/list")] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.DeviceAsync(request, async caller =>
        {
            var query = request.Query;
            return new OkObjectResult(await restores.ListAsync(caller, QueryValues.Text(query["device"]), QueryValues.Text(query["path"]), QueryValues.At(query["at"]),
                QueryValues.Flag(query["deleted"], "deleted"), QueryValues.Flag(query["recursive"], "recursive"), QueryValues.Text(query["continuation"]), cancellationToken));
        });

    [Function(nameof(ListVersions))]
    public Task<IActionResult> ListVersions(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "catalog/versions")] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.DeviceAsync(request, async caller =>
            new OkObjectResult(await restores.VersionsAsync(caller, QueryValues.Text(request.Query["device"]), QueryValues.Text(request.Query["path"]), cancellationToken)));

    [Function(nameof(CreateRestoreManifest))]
    public Task<IActionResult> CreateRestoreManifest(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "restores")] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.DeviceAsync(request, async caller =>
            new OkObjectResult(await restores.ManifestAsync(caller, await ApiEndpoint.ReadJsonAsync<RestoreRequest>(request), cancellationToken)));
}

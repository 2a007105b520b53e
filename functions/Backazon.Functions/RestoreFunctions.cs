using System.Globalization;
using Backazon.Backend.Errors;
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
            return new OkObjectResult(await restores.ListAsync(caller, Text(query["device"]), Text(query["path"]), At(query["at"]),
                Flag(query["deleted"], "deleted"), Flag(query["recursive"], "recursive"), Text(query["continuation"]), cancellationToken));
        });

    [Function(nameof(ListVersions))]
    public Task<IActionResult> ListVersions(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "catalog/versions")] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.DeviceAsync(request, async caller =>
            new OkObjectResult(await restores.VersionsAsync(caller, Text(request.Query["device"]), Text(request.Query["path"]), cancellationToken)));

    [Function(nameof(CreateRestoreManifest))]
    public Task<IActionResult> CreateRestoreManifest(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "restores")] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.DeviceAsync(request, async caller =>
            new OkObjectResult(await restores.ManifestAsync(caller, await ApiEndpoint.ReadJsonAsync<RestoreRequest>(request), cancellationToken)));

    private static string? Text(Microsoft.Extensions.Primitives.StringValues value) => value.Count == 0 ? null : value.ToString();

    private static DateTimeOffset? At(Microsoft.Extensions.Primitives.StringValues value) =>
        value.Count == 0 ? null
        : DateTimeOffset.TryParse(value.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at
        : throw BackazonException.BadRequest($"'at' must be a date and time such as 2026-11-25T14:00:00Z, not '{value}'.", "at");

    private static bool Flag(Microsoft.Extensions.Primitives.StringValues value, string name) =>
        value.Count == 0 ? false
        : bool.TryParse(value.ToString(), out var flag) ? flag
        : throw BackazonException.BadRequest($"'{name}' must be true or false.", name);
}

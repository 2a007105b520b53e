using Backazon.Backend.Devices;
using Backazon.Backend.Uploads;
using Backazon.Contracts;
using Backazon.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Backazon.Functions;

/// <summary>The backup API a device calls: upload grants, commits, commit status, run reports.</summary>
public sealed class UploadFunctions(ApiEndpoint api, UploadGrantService grants, CommitService commits, RunReportService reports)
{
    /// <summary>Room for the largest batch of the longest paths, JSON-escaped.</summary>
    public const int MaxBatchBodyBytes = 16 * 1024 * 1024;

    [Function(nameof(RequestUploadGrants))]
    public Task<IActionResult> RequestUploadGrants(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "uploads/grants")] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.DeviceAsync(request, async caller =>
        {
            var body = await ApiEndpoint.ReadJsonAsync<UploadGrantRequest>(request, MaxBatchBodyBytes);
            return new OkObjectResult(await grants.GrantAsync(caller, body, cancellationToken));
        });

    [Function(nameof(CommitChanges))]
    public Task<IActionResult> CommitChanges(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "backups/commits")] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.DeviceAsync(request, async caller =>
        {
            var body = await ApiEndpoint.ReadJsonAsync<CommitRequest>(request, MaxBatchBodyBytes);
            var commit = await commits.CommitAsync(caller, body, cancellationToken);
            return new AcceptedResult($"/api/backups/commits/{commit.CommitId}", commit);
        });

    [Function(nameof(GetCommitStatus))]
    public Task<IActionResult> GetCommitStatus(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "backups/commits/{commitId}")] HttpRequest request,
        string commitId,
        CancellationToken cancellationToken) =>
        api.DeviceAsync(request, async caller => new OkObjectResult(await commits.StatusAsync(caller, commitId, cancellationToken)));

    [Function(nameof(ReportRun))]
    public Task<IActionResult> ReportRun(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "device/runs")] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.DeviceAsync(request, async caller =>
        {
            await reports.ReportAsync(caller, await ApiEndpoint.ReadJsonAsync<RunReport>(request), cancellationToken);
            return new NoContentResult();
        });
}

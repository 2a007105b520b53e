using Backazon.Backend.Devices;
using Backazon.Backend.Operators;
using Backazon.Backend.Plans;
using Backazon.Contracts;
using Backazon.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Backazon.Functions;

/// <summary>The operator API. Every route needs the operator key (see ApiEndpoint).</summary>
public sealed class AdminFunctions(ApiEndpoint api, AccountService accounts, EnrollmentService enrollment, PlanCatalog plans)
{
    [Function(nameof(ListPlans))]
    public Task<IActionResult> ListPlans(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/plans")] HttpRequest request) =>
        api.OperatorAsync(request, () =>
            Task.FromResult<IActionResult>(new OkObjectResult(plans.All.OrderBy(p => p.StorageQuotaBytes).Select(PlanCatalog.ToView))));

    [Function(nameof(CreateAccount))]
    public Task<IActionResult> CreateAccount(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "admin/accounts")] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.OperatorAsync(request, async () =>
        {
            var body = await ApiEndpoint.ReadJsonAsync<CreateAccountRequest>(request);
            var account = await accounts.CreateAsync(body, cancellationToken);
            return new CreatedResult($"/api/admin/accounts/{account.Id}", account);
        });

    [Function(nameof(ListAccounts))]
    public Task<IActionResult> ListAccounts(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/accounts")] HttpRequest request,
        CancellationToken cancellationToken) =>
        api.OperatorAsync(request, async () => new OkObjectResult(await accounts.ListAsync(request.Query["continuation"], cancellationToken)));

    [Function(nameof(GetAccount))]
    public Task<IActionResult> GetAccount(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/accounts/{accountId}")] HttpRequest request,
        string accountId,
        CancellationToken cancellationToken) =>
        api.OperatorAsync(request, async () => new OkObjectResult(await accounts.GetAsync(accountId, cancellationToken)));

    [Function(nameof(UpdateAccount))]
    public Task<IActionResult> UpdateAccount(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "admin/accounts/{accountId}")] HttpRequest request,
        string accountId,
        CancellationToken cancellationToken) =>
        api.OperatorAsync(request, async () =>
        {
            var body = await ApiEndpoint.ReadJsonAsync<UpdateAccountRequest>(request);
            return new OkObjectResult(await accounts.UpdateAsync(accountId, body, cancellationToken));
        });

    [Function(nameof(CreateEnrollmentCode))]
    public Task<IActionResult> CreateEnrollmentCode(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "admin/accounts/{accountId}/enrollment-codes")] HttpRequest request,
        string accountId,
        CancellationToken cancellationToken) =>
        api.OperatorAsync(request, async () => new OkObjectResult(await enrollment.CreateCodeAsync(accountId, cancellationToken)));

    [Function(nameof(RevokeDevice))]
    public Task<IActionResult> RevokeDevice(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "admin/accounts/{accountId}/devices/{deviceId}")] HttpRequest request,
        string accountId,
        string deviceId,
        CancellationToken cancellationToken) =>
        api.OperatorAsync(request, async () => new OkObjectResult(await accounts.RevokeDeviceAsync(accountId, deviceId, cancellationToken)));

    [Function(nameof(ClearDeviceRejections))]
    public Task<IActionResult> ClearDeviceRejections(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "admin/accounts/{accountId}/devices/{deviceId}/rejections")] HttpRequest request,
        string accountId,
        string deviceId,
        CancellationToken cancellationToken) =>
        api.OperatorAsync(request, async () => new OkObjectResult(await accounts.ClearRejectionsAsync(accountId, deviceId, cancellationToken)));
}

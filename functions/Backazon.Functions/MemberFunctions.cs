using Backazon.Backend.Customers;
using Backazon.Contracts;
using Backazon.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Backazon.Functions;

/// <summary>The operator's side of an account's people: invitations, the member list, removal.</summary>
public sealed class MemberFunctions(ApiEndpoint api, MembershipService members)
{
    [Function(nameof(CreateInvitation))]
    public Task<IActionResult> CreateInvitation(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "admin/accounts/{accountId}/invitations")] HttpRequest request,
        string accountId,
        CancellationToken cancellationToken) =>
        api.OperatorAsync(request, async () =>
        {
            var body = await ApiEndpoint.ReadJsonAsync<CreateInvitationRequest>(request);
            return new OkObjectResult(await members.InviteAsync(accountId, body, ApiEndpoint.PublicBase(request), cancellationToken));
        });

    [Function(nameof(ListMembers))]
    public Task<IActionResult> ListMembers(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/accounts/{accountId}/members")] HttpRequest request,
        string accountId,
        CancellationToken cancellationToken) =>
        api.OperatorAsync(request, async () => new OkObjectResult(await members.ListAsync(accountId, cancellationToken)));

    [Function(nameof(RemoveMember))]
    public Task<IActionResult> RemoveMember(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "admin/accounts/{accountId}/members/{memberId}")] HttpRequest request,
        string accountId,
        string memberId,
        CancellationToken cancellationToken) =>
        api.OperatorAsync(request, async () =>
        {
            await members.RemoveAsync(accountId, memberId, cancellationToken);
            return new NoContentResult();
        });
}

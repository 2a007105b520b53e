using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Backazon.Backend.Accounts;
using Backazon.Backend.Customers;
using Backazon.Backend.Plans;
using Backazon.Backend.Storage;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;

namespace Backazon.IntegrationTests.Customers;

/// <summary>Which tokens the customer API accepts, and invitations: the rules of who may sign in
/// to an account. Tokens are made with the local issuer's own signing key (and one that is not),
/// so each refusal is of one property of an otherwise valid token.</summary>
[Collection(SignInCollection.Name)]
public sealed class SignInTokenTests(SignInFixture backend)
{
    [Fact]
    public async Task Tokens_ForgedExpiredWrongAudienceOrWrongIssuer_Get401_WhileTheSameTokenDoneRightIsAccepted()
    {
        var (account, token) = await CustomerSignInClient.NewMemberAsync(backend);
        var subject = new JsonWebTokenHandler().ReadJsonWebToken(token).Subject;
        using var discovery = backend.Client();
        var issuer = (await discovery.GetFromJsonAsync<JsonElement>(new Uri(backend.BaseAddress, "/.well-known/openid-configuration"))).GetProperty("issuer").GetString()!;
        var signing = backend.App.Services.GetRequiredService<IOptionsMonitor<OpenIddictServerOptions>>().CurrentValue.SigningCredentials.First();
        var forgedKey = new RsaSecurityKey(RSA.Create(2048)) { KeyId = signing.Key.KeyId };
        var now = DateTime.UtcNow;

        string Make(string iss = "", string aud = "backazon-api", DateTime? expires = null, SigningCredentials? key = null) =>
            new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = iss.Length == 0 ? issuer : iss,
                Audience = aud,
                IssuedAt = (expires ?? now.AddMinutes(30)).AddMinutes(-60),
                NotBefore = (expires ?? now.AddMinutes(30)).AddMinutes(-60),
                Expires = expires ?? now.AddMinutes(30),
                Subject = new ClaimsIdentity([new Claim("sub", subject)]),
                SigningCredentials = key ?? signing,
            });

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(Make()));
        using (var made = backend.Client(Make()))
        {
            Assert.Equal(account.Id, (await made.GetFromJsonAsync<CustomerAccountView>("me/account", Api.Json))!.Id);
        }

        foreach (var (what, bad) in new[]
        {
            ("forged", Make(key: new SigningCredentials(forgedKey, SecurityAlgorithms.RsaSha256))),
            ("expired", Make(expires: now.AddMinutes(-10))),
            ("wrong audience", Make(aud: "someone-else")),
            ("wrong issuer", Make(iss: "https://login.example.com/")),
            ("not a token", "not.a.token"),
        })
        {
            Assert.True(await StatusAsync(bad) == HttpStatusCode.Unauthorized, $"a {what} token must be refused");
        }

        using var none = backend.Client();
        var problem = await Api.ProblemAsync(await none.GetAsync("me/account"), HttpStatusCode.Unauthorized);
        Assert.Equal("A valid sign-in token is required (Authorization: Bearer ...); sign in again.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task SignedInButNoMember_Gets403SayingSo_AndDeviceTokensAreNotCustomerTokens()
    {
        var token = await CustomerSignInClient.SignInAsync(backend, backend.NewUser());
        using var client = backend.Client(token);
        var problem = await Api.ProblemAsync(await client.GetAsync("me/devices"), HttpStatusCode.Forbidden);
        Assert.Contains("not a member of any Backazon account", problem.GetProperty("detail").GetString());

        var device = await backend.NewDeviceAsync();
        using var deviceClient = backend.Client(device.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await deviceClient.GetAsync("me/account")).StatusCode);
    }

    [Fact]
    public async Task Invitation_UsedTwice_IsRefused_AndAnIdentityJoinsOneAccountOnly()
    {
        var account = await backend.CreateAccountAsync();
        var invitation = await CustomerSignInClient.InviteAsync(backend, account.Id, "ada@example.com");
        var first = await CustomerSignInClient.SignInAsync(backend, backend.NewUser());
        var second = await CustomerSignInClient.SignInAsync(backend, backend.NewUser());
        await CustomerSignInClient.AcceptAsync(backend, first, invitation.Token);

        var again = await Api.ProblemAsync(await CustomerSignInClient.AcceptAsync(backend, second, invitation.Token, ensure: false), HttpStatusCode.BadRequest);
        Assert.Equal("This invitation has already been used. Ask for a new one.", again.GetProperty("detail").GetString());
        Assert.DoesNotContain(invitation.Token, string.Join("\n", backend.Logs.Lines));
        Assert.Equal(HttpStatusCode.Forbidden, (await backend.Client(second).GetAsync("me/account")).StatusCode);

        var other = await backend.CreateAccountAsync();
        var elsewhere = await Api.ProblemAsync(await CustomerSignInClient.AcceptAsync(backend, first,
            (await CustomerSignInClient.InviteAsync(backend, other.Id)).Token, ensure: false), HttpStatusCode.Conflict);
        Assert.Contains("already belongs to another Backazon account", elsewhere.GetProperty("detail").GetString());

        using var operatorClient = backend.OperatorClient();
        var members = await operatorClient.GetFromJsonAsync<List<MemberView>>($"admin/accounts/{account.Id}/members", Api.Json);
        var member = Assert.Single(members!);
        Assert.Equal("ada@example.com", member.Email);
        Assert.Empty((await operatorClient.GetFromJsonAsync<List<MemberView>>($"admin/accounts/{other.Id}/members", Api.Json))!);

        // Removed, the member's sign-in no longer reaches the account.
        Assert.Equal(HttpStatusCode.NoContent, (await operatorClient.DeleteAsync($"admin/accounts/{account.Id}/members/{member.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await backend.Client(first).GetAsync("me/account")).StatusCode);
    }

    [Fact]
    public async Task Invitation_Expired_IsRefusedWithWhen_AndBadInvitationsChangeNothing()
    {
        // Real storage, moved clock: the invitation is made now and accepted eight days later.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var plans = new PlanCatalog(new ConfigurationBuilder().Build());
        var members = new MembershipService(backend.Storage, new AccountStore(backend.Storage, plans), new DueIndex(backend.Storage), Options.Create(new CustomerSignInOptions()), clock);
        var account = await backend.CreateAccountAsync();
        var invitation = await members.InviteAsync(account.Id, new CreateInvitationRequest("late@example.com"), backend.BaseAddress);
        clock.Advance(TimeSpan.FromDays(8));
        var identity = new CustomerIdentity("https://issuer.example/", "late-subject", null);

        var expired = await Assert.ThrowsAsync<Backend.Errors.BackazonException>(() => members.AcceptAsync(identity, new AcceptInvitationRequest(invitation.Token)));

        Assert.StartsWith($"This invitation expired at {invitation.ExpiresAt:u}.", expired.Detail);
        Assert.Null(await members.FindCallerAsync(identity));
        using var operatorClient = backend.OperatorClient();
        var badEmail = await Api.ProblemAsync(await operatorClient.PostAsJsonAsync($"admin/accounts/{account.Id}/invitations", new CreateInvitationRequest("not an address"), Api.Json),
            HttpStatusCode.BadRequest);
        Assert.Equal("email", badEmail.GetProperty("field").GetString());
        Assert.Empty((await operatorClient.GetFromJsonAsync<List<MemberView>>($"admin/accounts/{account.Id}/members", Api.Json))!);

        // At rest, the invitation is its token's hash.
        var codes = backend.Storage.Tables.GetTableClient(Backend.Configuration.StorageNames.EnrollmentCodesTable);
        var row = (await codes.GetEntityAsync<Azure.Data.Tables.TableEntity>(Backend.Security.Secrets.Hash(invitation.Token), InvitationEntity.Row)).Value;
        Assert.DoesNotContain(invitation.Token, string.Join("|", ((IDictionary<string, object>)row).Values.Select(v => v?.ToString())));
    }

    private async Task<HttpStatusCode> StatusAsync(string token)
    {
        using var client = backend.Client(token);
        return (await client.GetAsync("me/account")).StatusCode;
    }
}

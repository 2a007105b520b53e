using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Backazon.Backend.Accounts;
using Backazon.Backend.Customers;
using Backazon.Backend.Devices;
using Backazon.Backend.Plans;
using Backazon.Backend.Storage;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Backazon.IntegrationTests.Customers;

/// <summary>Linking a computer by a code a signed-in member approves (RFC 8628), over real HTTP.</summary>
[Collection(SignInCollection.Name)]
public sealed partial class DeviceLinkTests(SignInFixture backend)
{
    [Fact]
    public async Task Link_PendingThenSlowDown_ThenApproved_GivesWorkingCredentialsOnce()
    {
        var (account, token) = await CustomerSignInClient.NewMemberAsync(backend);
        using var computer = backend.Client();
        using var member = backend.Client(token);
        var started = await StartAsync(computer, "study-pc");

        Assert.Matches(UserCode(), started.UserCode);
        Assert.Equal((600, 1), (started.ExpiresIn, started.Interval));
        Assert.Equal(new Uri(backend.BaseAddress, "/api/web/#/link").ToString(), started.VerificationUri);
        Assert.Equal(DeviceLinkErrors.AuthorizationPending, await PollErrorAsync(computer, started.DeviceCode));
        Assert.Equal(DeviceLinkErrors.SlowDown, await PollErrorAsync(computer, started.DeviceCode));

        var seen = await member.GetFromJsonAsync<DeviceLinkView>($"me/device-links/{started.UserCode.ToLowerInvariant()}", Api.Json);
        Assert.Equal(("study-pc", "Plan 9", DeviceLinkStates.Pending), (seen!.DeviceName, seen.Os, seen.State));
        Assert.True((await member.PostAsync($"me/device-links/{started.UserCode}/approve", null)).IsSuccessStatusCode);
        var enrolled = await (await computer.PostAsJsonAsync("devices/link/token", new DeviceTokenRequest(DeviceLinkErrors.GrantType, started.DeviceCode), Api.Json))
            .Content.ReadFromJsonAsync<EnrollResponse>(Api.Json);

        Assert.Equal((account.Id, "study-pc"), (enrolled!.AccountId, enrolled.DeviceName));
        using var device = backend.Client(enrolled.Token);
        var status = await device.GetFromJsonAsync<AccountView>("device/status", Api.Json);
        Assert.Contains(status!.Devices, d => d.Id == enrolled.DeviceId);
        Assert.Equal("Plan 9", (await member.GetFromJsonAsync<List<CustomerDeviceView>>("me/devices", Api.Json))!.Single(d => d.Id == enrolled.DeviceId).Os);
        Assert.Equal(DeviceLinkErrors.InvalidGrant, await PollErrorAsync(computer, started.DeviceCode));

        // Neither code is kept as such, and no secret of this flow is logged.
        var logs = string.Join("\n", backend.Logs.Lines);
        Assert.DoesNotContain(started.DeviceCode, logs);
        Assert.DoesNotContain(enrolled.Token.Split('.')[^1], logs);
        Assert.DoesNotContain(token, logs);
        var codes = backend.Storage.Tables.GetTableClient(Backend.Configuration.StorageNames.EnrollmentCodesTable);
        await foreach (var row in codes.QueryAsync<Azure.Data.Tables.TableEntity>())
        {
            var stored = string.Join("|", ((IDictionary<string, object>)row).Values.Select(v => v?.ToString()));
            Assert.DoesNotContain(started.DeviceCode, stored);
            Assert.DoesNotContain(started.UserCode.Replace("-", ""), stored);
        }
    }

    [Fact]
    public async Task Link_Denied_IsAccessDenied_AndCannotBeApprovedAfter()
    {
        var (_, token) = await CustomerSignInClient.NewMemberAsync(backend);
        using var computer = backend.Client();
        using var member = backend.Client(token);
        var started = await StartAsync(computer, "unknown");

        Assert.True((await member.PostAsync($"me/device-links/{started.UserCode}/deny", null)).IsSuccessStatusCode);
        var late = await Api.ProblemAsync(await member.PostAsync($"me/device-links/{started.UserCode}/approve", null), HttpStatusCode.Conflict);

        Assert.Equal(DeviceLinkErrors.AccessDenied, await PollErrorAsync(computer, started.DeviceCode));
        Assert.Equal("This code was already denied.", late.GetProperty("detail").GetString());
        var unknown = await Api.ProblemAsync(await member.GetAsync("me/device-links/BBBB-BBBB"), HttpStatusCode.NotFound);
        Assert.Equal("No computer is waiting with that code; check the code the computer shows.", unknown.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Link_Expired_IsExpiredToken_AndTheMemberIsToldWhen()
    {
        // Real storage, moved clock: asked now, polled and looked at eleven minutes later.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var plans = new PlanCatalog(new ConfigurationBuilder().Build());
        var store = new AccountStore(backend.Storage, plans);
        var links = new DeviceLinkService(backend.Storage, store, new EnrollmentService(backend.Storage, store, plans, new DeviceReplacement(store, plans), clock),
            new DeviceReplacement(store, plans), plans, new DueIndex(backend.Storage), Options.Create(new CustomerSignInOptions()), clock);
        var started = await links.StartAsync(new DeviceLinkRequest("late", null), new Uri(backend.BaseAddress, "/api/web/#/link"));
        clock.Advance(DeviceLinkService.Lifetime + TimeSpan.FromMinutes(1));

        var poll = await Assert.ThrowsAsync<Backend.Errors.BackazonException>(() => links.PollAsync(new DeviceTokenRequest(DeviceLinkErrors.GrantType, started.DeviceCode)));
        var look = await Assert.ThrowsAsync<Backend.Errors.BackazonException>(() => links.GetAsync(started.UserCode));

        Assert.Equal(DeviceLinkErrors.ExpiredToken, poll.Error);
        Assert.Equal(Backend.Errors.ProblemKind.Gone, look.Kind);
        Assert.Contains("expired at", look.Detail);
    }

    [Fact]
    public async Task Link_BadRequests_AreRefusedWithTheField()
    {
        using var computer = backend.Client();
        var grant = await Api.ProblemAsync(await computer.PostAsJsonAsync("devices/link/token", new DeviceTokenRequest("password", "x"), Api.Json), HttpStatusCode.BadRequest);
        var os = await Api.ProblemAsync(await computer.PostAsJsonAsync("devices/link", new DeviceLinkRequest("pc", "bad\nos"), Api.Json), HttpStatusCode.BadRequest);
        var unknown = await Api.ProblemAsync(await computer.PostAsJsonAsync("devices/link/token", new DeviceTokenRequest(DeviceLinkErrors.GrantType, "nope"), Api.Json), HttpStatusCode.BadRequest);

        Assert.Equal("grant_type", grant.GetProperty("field").GetString());
        Assert.Equal("os", os.GetProperty("field").GetString());
        Assert.Equal(DeviceLinkErrors.InvalidGrant, unknown.GetProperty("error").GetString());
    }

    private static async Task<DeviceAuthorizationResponse> StartAsync(HttpClient computer, string name)
    {
        var response = await computer.PostAsJsonAsync("devices/link", new DeviceLinkRequest(name, "Plan 9"), Api.Json);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<DeviceAuthorizationResponse>(Api.Json))!;
    }

    private static async Task<string> PollErrorAsync(HttpClient computer, string deviceCode)
    {
        var response = await computer.PostAsJsonAsync("devices/link/token", new DeviceTokenRequest(DeviceLinkErrors.GrantType, deviceCode), Api.Json);
        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        return problem.GetProperty("error").GetString()!;
    }

    [GeneratedRegex("^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$")]
    private static partial Regex UserCode();
}

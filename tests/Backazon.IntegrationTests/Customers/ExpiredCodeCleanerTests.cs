using Backazon.Backend.Configuration;
using Backazon.Backend.Customers;
using Backazon.Backend.Errors;
using Backazon.Backend.Operators;
using Backazon.Backend.Security;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.IntegrationTests.Retention;
using Xunit.Abstractions;

namespace Backazon.IntegrationTests.Customers;

/// <summary>
/// Link codes and invitations are deleted a day after they expire, found by what came due: a used
/// or expired code answers why until then; fresh ones stay; and one run makes the same storage
/// requests whether few or many codes are stored, none of them a table scan.
/// </summary>
[Collection(SignInCollection.Name)]
public sealed class ExpiredCodeCleanerTests(SignInFixture backend, ITestOutputHelper output)
{
    private static readonly Uri Page = new("http://localhost/api/web/#/link");

    [Fact]
    public async Task ExpiredCodes_AreGoneADayLater_FreshOnesStay_AtACostOfWhatCameDue()
    {
        var requests = StorageRequestCounter.For(backend.ConnectionString);
        using var sim = RetentionHarness.Create(backend, requests: requests);
        var few = await CleanAsync(sim, requests, fresh: 3);
        var many = await CleanAsync(sim, requests, fresh: 60);

        Assert.Equal(few, many);
    }

    /// <summary>Makes two link codes (one used, one left to expire) and an invitation, lets their keep time pass, makes
    /// <paramref name="fresh"/> more of each, and cleans once; returns the cleaning's requests.</summary>
    private async Task<int> CleanAsync(RetentionHarness sim, StorageRequestCounter requests, int fresh)
    {
        var links = sim.Get<DeviceLinkService>();
        var members = sim.Get<MembershipService>();
        var cleaner = sim.Get<ExpiredCodeCleaner>();
        var codes = sim.Storage.Tables.GetTableClient(StorageNames.EnrollmentCodesTable);
        var account = await sim.Get<AccountService>().CreateAsync(new CreateAccountRequest("codes", RetentionHarness.Plan));

        // Whatever came due before (other tests' codes, the last round's fresh ones) goes first.
        sim.Clock.Advance(TimeSpan.FromDays(30));
        await cleaner.CleanAsync();

        var used = await links.StartAsync(new DeviceLinkRequest("used", null), Page);
        await links.ApproveAsync(new CustomerCaller(account.Id, "m1", new CustomerIdentity("issuer", "m1", null)), used.UserCode);
        await links.PollAsync(new DeviceTokenRequest(DeviceLinkErrors.GrantType, used.DeviceCode));
        var expired = await links.StartAsync(new DeviceLinkRequest("expired", null), Page);
        var invitation = await members.InviteAsync(account.Id, new CreateInvitationRequest("old@example.com"), Page);

        // A minute short of a day past the codes' expiry, the job leaves them: each still says why
        // it no longer works.
        sim.Clock.Advance(DeviceLinkService.Lifetime + ExpiredCodeCleaner.Keep - TimeSpan.FromMinutes(1));
        await cleaner.CleanAsync();
        Assert.Contains("already used", (await PollAsync(links, used.DeviceCode)).Detail);
        Assert.Equal(DeviceLinkErrors.ExpiredToken, (await PollAsync(links, expired.DeviceCode)).Error);
        Assert.Equal(ProblemKind.Gone, (await Assert.ThrowsAsync<BackazonException>(() => links.GetAsync(expired.UserCode))).Kind);

        // Past the invitation's keep time too.
        sim.Clock.Advance(TimeSpan.FromDays(7));
        Assert.True(await ExistsAsync(codes, invitation.Token, InvitationEntity.Row));

        var freshLinks = new List<DeviceAuthorizationResponse>();
        var freshInvitations = new List<InvitationView>();
        for (var i = 0; i < fresh; i++)
        {
            freshLinks.Add(await links.StartAsync(new DeviceLinkRequest($"fresh{i}", null), Page));
            freshInvitations.Add(await members.InviteAsync(account.Id, new CreateInvitationRequest($"new{i}@example.com"), Page));
        }

        sim.Clock.Advance(TimeSpan.FromMinutes(1));
        requests.Reset();
        var deleted = await cleaner.CleanAsync();
        var cost = requests.Total;
        output.WriteLine($"{fresh} fresh of each: {deleted} rows deleted with {cost} requests ({requests.Describe()})");

        Assert.Empty(requests.Scans);
        Assert.Equal(5, deleted); // two device codes, two user codes, one invitation
        Assert.Contains("not known", (await PollAsync(links, used.DeviceCode)).Detail);
        Assert.Equal(ProblemKind.NotFound, (await Assert.ThrowsAsync<BackazonException>(() => links.GetAsync(expired.UserCode))).Kind);
        Assert.False(await ExistsAsync(codes, invitation.Token, InvitationEntity.Row));
        foreach (var link in freshLinks)
        {
            Assert.Equal(DeviceLinkStates.Pending, (await links.GetAsync(link.UserCode)).State);
        }

        foreach (var kept in freshInvitations)
        {
            Assert.True(await ExistsAsync(codes, kept.Token, InvitationEntity.Row));
        }

        return cost;
    }

    private static Task<BackazonException> PollAsync(DeviceLinkService links, string deviceCode) =>
        Assert.ThrowsAsync<BackazonException>(() => links.PollAsync(new DeviceTokenRequest(DeviceLinkErrors.GrantType, deviceCode)));

    private static async Task<bool> ExistsAsync(Azure.Data.Tables.TableClient codes, string secret, string row) =>
        (await codes.GetEntityIfExistsAsync<Azure.Data.Tables.TableEntity>(Secrets.Hash(secret), row)).HasValue;
}

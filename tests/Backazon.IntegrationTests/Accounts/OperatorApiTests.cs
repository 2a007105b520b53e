using System.Net;
using System.Net.Http.Json;
using System.Text;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;

namespace Backazon.IntegrationTests.Accounts;

[Collection(BackendCollection.Name)]
public sealed class OperatorApiTests(BackendFixture backend)
{
    [Fact]
    public async Task Health_WithoutCredentials_Answers()
    {
        using var client = backend.Client();
        var health = await client.GetFromJsonAsync<HealthView>("health", Api.Json);
        Assert.Equal("ok", health!.Status);
    }

    [Fact]
    public async Task CreateAccount_ThenShow_HasPlanUsageZeroAndNoDevices()
    {
        var created = await backend.CreateAccountAsync("family", "Ada Lovelace");
        using var client = backend.OperatorClient();
        var shown = await client.GetFromJsonAsync<AccountView>($"admin/accounts/{created.Id}", Api.Json);

        Assert.Equal("Ada Lovelace", shown!.Name);
        Assert.Equal("family", shown.Plan.Id);
        Assert.Equal(AccountStatuses.Active, shown.Status);
        Assert.Equal(0, shown.UsedBytes);
        Assert.Empty(shown.Devices);
    }

    [Fact]
    public async Task UpdateAccount_PlanAndStatus_AreChanged()
    {
        var created = await backend.CreateAccountAsync("trial");
        using var client = backend.OperatorClient();
        var response = await client.PatchAsJsonAsync($"admin/accounts/{created.Id}", new UpdateAccountRequest("personal", AccountStatuses.PastDue), Api.Json);
        var updated = await response.Content.ReadFromJsonAsync<AccountView>(Api.Json);

        Assert.Equal("personal", updated!.Plan.Id);
        Assert.Equal(AccountStatuses.PastDue, updated.Status);
    }

    [Theory]
    [InlineData("""{"plan":"gold"}""", "plan")]
    [InlineData("""{"name":"x"}""", "plan")]
    [InlineData("""{"name":3,"plan":"trial"}""", "name")]
    public async Task CreateAccount_BadField_Is400NamingTheField(string json, string field)
    {
        using var client = backend.OperatorClient();
        var response = await client.PostAsync("admin/accounts", new StringContent(json, Encoding.UTF8, "application/json"));
        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(field, problem.GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("{\"plan\":")]
    [InlineData("not json")]
    [InlineData("")]
    public async Task CreateAccount_MalformedJson_Is400AndCreatesNothing(string body)
    {
        var before = await CountAccountsAsync();
        using var client = backend.OperatorClient();
        var response = await client.PostAsync("admin/accounts", new StringContent(body, Encoding.UTF8, "application/json"));
        await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(before, await CountAccountsAsync());
    }

    [Fact]
    public async Task UpdateAccount_UnknownStatus_Is400AndChangesNothing()
    {
        var created = await backend.CreateAccountAsync("trial");
        using var client = backend.OperatorClient();
        var response = await client.PatchAsJsonAsync($"admin/accounts/{created.Id}", new UpdateAccountRequest("family", "frozen"), Api.Json);
        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("status", problem.GetProperty("field").GetString());

        var shown = await client.GetFromJsonAsync<AccountView>($"admin/accounts/{created.Id}", Api.Json);
        Assert.Equal("trial", shown!.Plan.Id);
    }

    [Theory]
    [InlineData("0123456789abcdef01234567")]
    [InlineData("not-an-id")]
    public async Task GetAccount_Unknown_Is404(string id)
    {
        using var client = backend.OperatorClient();
        await Api.ProblemAsync(await client.GetAsync($"admin/accounts/{id}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task OperatorEndpoints_WithoutKey_Are401()
    {
        using var anonymous = backend.Client();
        using var wrongKey = backend.Client("bko_wrong");
        foreach (var client in new[] { anonymous, wrongKey })
        {
            await Api.ProblemAsync(await client.GetAsync("admin/plans"), HttpStatusCode.Unauthorized);
            await Api.ProblemAsync(await client.PostAsJsonAsync("admin/accounts", new CreateAccountRequest("x", "trial"), Api.Json), HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task OperatorEndpoints_WithDeviceToken_Are403AndChangeNothing()
    {
        var device = await backend.NewDeviceAsync();
        using var client = backend.Client(device.Token);

        await Api.ProblemAsync(await client.GetAsync($"admin/accounts/{device.AccountId}"), HttpStatusCode.Forbidden);
        await Api.ProblemAsync(await client.PatchAsJsonAsync($"admin/accounts/{device.AccountId}", new UpdateAccountRequest("family", null), Api.Json), HttpStatusCode.Forbidden);

        using var operatorClient = backend.OperatorClient();
        var shown = await operatorClient.GetFromJsonAsync<AccountView>($"admin/accounts/{device.AccountId}", Api.Json);
        Assert.Equal("personal", shown!.Plan.Id);
    }

    [Fact]
    public async Task OperatorEndpoints_WrongKey_SaysWrong_NoKey_SaysRequired()
    {
        using var anonymous = backend.Client();
        using var wrongKey = backend.Client("bko_wrong");

        var missing = await Api.ProblemAsync(await anonymous.GetAsync("admin/accounts"), HttpStatusCode.Unauthorized);
        var wrong = await Api.ProblemAsync(await wrongKey.GetAsync("admin/accounts"), HttpStatusCode.Unauthorized);

        Assert.Equal("The operator key is required (Authorization: Bearer ...).", missing.GetProperty("detail").GetString());
        Assert.Equal("The operator key is wrong: it is not the one this server was set up with.", wrong.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ListAccounts_PagesThroughEveryAccountOnce_NoPageLargerThanThePageSize()
    {
        // More accounts than one page holds, whatever the other tests made.
        var missing = Backazon.Backend.Operators.AccountService.ListPageSize + 1 - await CountAccountsAsync();
        for (var i = 0; i < missing; i += 10)
        {
            await Task.WhenAll(Enumerable.Range(0, Math.Min(10, missing - i)).Select(_ => backend.CreateAccountAsync("trial")));
        }

        using var client = backend.OperatorClient();
        var seen = new List<string>();
        var pages = 0;
        string? continuation = null;
        do
        {
            var page = await client.GetFromJsonAsync<AccountPage>("admin/accounts" + (continuation is null ? "" : "?continuation=" + Uri.EscapeDataString(continuation)), Api.Json);
            Assert.InRange(page!.Items.Count, 1, Backazon.Backend.Operators.AccountService.ListPageSize);
            seen.AddRange(page.Items.Select(a => a.Id));
            continuation = page.Continuation;
            pages++;
        }
        while (continuation is not null);

        Assert.True(pages >= 2, $"{pages} page(s)");
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.True(seen.Count >= await CountAccountsAsync() - 10, "every account listed (allowing for ones other tests add meanwhile)");
    }

    [Fact]
    public async Task RevokedDevice_WithItsOwnToken_IsToldItWasRevoked_AForgedSecretIsNot()
    {
        var device = await backend.NewDeviceAsync();
        using (var operatorClient = backend.OperatorClient())
        {
            (await operatorClient.DeleteAsync($"admin/accounts/{device.AccountId}/devices/{device.DeviceId}")).EnsureSuccessStatusCode();
        }

        using var own = backend.Client(device.Token);
        using var forged = backend.Client(device.Token[..^4] + (device.Token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA"));
        var revoked = await Api.ProblemAsync(await own.GetAsync("device/status"), HttpStatusCode.Unauthorized);
        var unknown = await Api.ProblemAsync(await forged.GetAsync("device/status"), HttpStatusCode.Unauthorized);

        Assert.Equal("This device was revoked by the operator; enroll it again with a new code.", revoked.GetProperty("detail").GetString());
        Assert.DoesNotContain("revoked", unknown.GetProperty("detail").GetString());
    }

    private async Task<int> CountAccountsAsync()
    {
        var count = 0;
        var table = backend.Storage.Tables.GetTableClient(Backazon.Backend.Configuration.StorageNames.AccountsTable);
        await foreach (var _ in table.QueryAsync<Azure.Data.Tables.TableEntity>("RowKey eq 'account'", select: ["RowKey"]))
        {
            count++;
        }

        return count;
    }
}

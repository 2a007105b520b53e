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

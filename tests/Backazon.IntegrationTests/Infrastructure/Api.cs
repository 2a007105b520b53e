using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Backazon.Contracts;

namespace Backazon.IntegrationTests.Infrastructure;

/// <summary>Short ways to set up accounts and devices over the real HTTP API.</summary>
public static class Api
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<AccountView> CreateAccountAsync(this BackendFixture backend, string plan = "personal", string name = "Test")
    {
        using var client = backend.OperatorClient();
        var response = await client.PostAsJsonAsync("admin/accounts", new CreateAccountRequest(name, plan), Json);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<AccountView>(Json))!;
    }

    public static async Task<string> CreateCodeAsync(this BackendFixture backend, string accountId)
    {
        using var client = backend.OperatorClient();
        var response = await client.PostAsync($"admin/accounts/{accountId}/enrollment-codes", null);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<EnrollmentCodeView>(Json))!.Code;
    }

    public static async Task<EnrollResponse> EnrollAsync(this BackendFixture backend, string accountId, string deviceName = "laptop", string? os = null)
    {
        var code = await backend.CreateCodeAsync(accountId);
        using var client = backend.Client();
        var response = await client.PostAsJsonAsync("devices/enroll", new EnrollRequest(code, deviceName, os), Json);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<EnrollResponse>(Json))!;
    }

    /// <summary>A new account on a plan with one enrolled device.</summary>
    public static async Task<EnrollResponse> NewDeviceAsync(this BackendFixture backend, string plan = "personal")
    {
        var account = await backend.CreateAccountAsync(plan);
        return await backend.EnrollAsync(account.Id);
    }

    /// <summary>Reads a ProblemDetails body and checks it has the expected status.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Json);
        Assert.Equal((int)expected, body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("detail").GetString()));
        return body;
    }
}

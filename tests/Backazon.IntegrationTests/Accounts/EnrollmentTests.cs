using System.Net;
using System.Net.Http.Json;
using Backazon.Backend.Accounts;
using Backazon.Backend.Configuration;
using Backazon.Backend.Devices;
using Backazon.Backend.Errors;
using Backazon.Backend.Plans;
using Backazon.Backend.Security;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace Backazon.IntegrationTests.Accounts;

[Collection(BackendCollection.Name)]
public sealed class EnrollmentTests(BackendFixture backend)
{
    [Fact]
    public async Task Enroll_ValidCode_GivesTokenThatReadsOwnStatus()
    {
        var account = await backend.CreateAccountAsync();
        var device = await backend.EnrollAsync(account.Id, "desk");

        using var client = backend.Client(device.Token);
        var status = await client.GetFromJsonAsync<AccountView>("device/status", Api.Json);
        Assert.Equal(account.Id, status!.Id);
        var listed = Assert.Single(status.Devices);
        Assert.Equal((device.DeviceId, "desk"), (listed.Id, listed.Name));
        Assert.NotNull(listed.LastSeenAt);
    }

    [Fact]
    public async Task Enroll_StoresOnlyTheSecretsHash()
    {
        var device = await backend.NewDeviceAsync();
        Assert.True(DeviceToken.TryParse(device.Token, out var token));

        var table = backend.Storage.Tables.GetTableClient(StorageNames.AccountsTable);
        var row = (await table.GetEntityAsync<Azure.Data.Tables.TableEntity>(device.AccountId, DeviceEntity.RowFor(device.DeviceId))).Value;
        var stored = string.Join("|", ((IDictionary<string, object>)row).Values.Select(v => v?.ToString()));
        Assert.DoesNotContain(token.Secret, stored);
        Assert.Equal(Secrets.Hash(token.Secret), row.GetString(nameof(DeviceEntity.SecretHash)));
    }

    [Fact]
    public async Task Enroll_CodeUsedTwice_SecondIsRefused()
    {
        var account = await backend.CreateAccountAsync();
        var code = await backend.CreateCodeAsync(account.Id);
        using var client = backend.Client();

        (await client.PostAsJsonAsync("devices/enroll", new EnrollRequest(code, "a"), Api.Json)).EnsureSuccessStatusCode();
        var problem = await Api.ProblemAsync(await client.PostAsJsonAsync("devices/enroll", new EnrollRequest(code, "b"), Api.Json), HttpStatusCode.BadRequest);

        Assert.Contains("already been used", problem.GetProperty("detail").GetString());
        Assert.Equal("code", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Enroll_UnknownOrMissingCode_Is400()
    {
        using var client = backend.Client();
        var unknown = await Api.ProblemAsync(await client.PostAsJsonAsync("devices/enroll", new EnrollRequest("AAAA-BBBB-CCCC-DDDD", "x"), Api.Json), HttpStatusCode.BadRequest);
        Assert.Contains("not valid", unknown.GetProperty("detail").GetString());

        var missing = await Api.ProblemAsync(await client.PostAsJsonAsync("devices/enroll", new { deviceName = "x" }, Api.Json), HttpStatusCode.BadRequest);
        Assert.Equal("code", missing.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Enroll_ExpiredCode_IsRefusedWithWhen()
    {
        // Real storage, moved clock: the code is made now and presented 25 hours later.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var plans = new PlanCatalog(new ConfigurationBuilder().Build());
        var store = new AccountStore(backend.Storage, plans);
        var enrollment = new EnrollmentService(backend.Storage, store, plans, new DeviceReplacement(store, plans), clock);
        var account = await backend.CreateAccountAsync();
        var code = await enrollment.CreateCodeAsync(account.Id);

        clock.Advance(TimeSpan.FromHours(25));
        var refused = await Assert.ThrowsAsync<BackazonException>(() => enrollment.EnrollAsync(new EnrollRequest(code.Code, "late")));

        Assert.Contains("expired", refused.Detail);
        Assert.Empty((await store.GetViewAsync(account.Id)).Devices);
    }

    [Fact]
    public async Task Enroll_PastDeviceLimit_IsRefusedAndCodeStaysUsable()
    {
        var account = await backend.CreateAccountAsync("trial"); // one device
        var first = await backend.EnrollAsync(account.Id);
        var code = await backend.CreateCodeAsync(account.Id);
        using var client = backend.Client();

        var problem = await Api.ProblemAsync(await client.PostAsJsonAsync("devices/enroll", new EnrollRequest(code, "second"), Api.Json), HttpStatusCode.Conflict);
        Assert.Contains("allows 1 device", problem.GetProperty("detail").GetString());

        using var operatorClient = backend.OperatorClient();
        (await operatorClient.DeleteAsync($"admin/accounts/{account.Id}/devices/{first.DeviceId}")).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("devices/enroll", new EnrollRequest(code, "second"), Api.Json)).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task Enroll_ConcurrentlyAtTheLimit_OnlyOneSucceeds()
    {
        var account = await backend.CreateAccountAsync("trial");
        var codes = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => backend.CreateCodeAsync(account.Id)));
        using var client = backend.Client();

        var responses = await Task.WhenAll(codes.Select(c => client.PostAsJsonAsync("devices/enroll", new EnrollRequest(c, "racer"), Api.Json)));

        Assert.Single(responses, r => r.IsSuccessStatusCode);
        using var operatorClient = backend.OperatorClient();
        var shown = await operatorClient.GetFromJsonAsync<AccountView>($"admin/accounts/{account.Id}", Api.Json);
        Assert.Single(shown!.Devices);
    }

    [Fact]
    public async Task DeviceCalls_WithBadTokens_Are401()
    {
        var device = await backend.NewDeviceAsync();
        Assert.True(DeviceToken.TryParse(device.Token, out var token));
        string?[] bad =
        [
            null,
            "garbage",
            $"bkz1.{token.AccountId}.{token.DeviceId}.{Secrets.NewSecret()}",            // forged secret
            $"bkz1.{token.AccountId}.{Secrets.NewId()}.{token.Secret}",                   // unknown device
            $"bkz1.{Secrets.NewId()}.{token.DeviceId}.{token.Secret}",                    // other account
            device.Token + "x",
        ];
        foreach (var presented in bad)
        {
            using var client = backend.Client(presented);
            await Api.ProblemAsync(await client.GetAsync("device/status"), HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task RevokedDevice_TokenStopsWorking()
    {
        var device = await backend.NewDeviceAsync();
        using var operatorClient = backend.OperatorClient();
        var revoked = await (await operatorClient.DeleteAsync($"admin/accounts/{device.AccountId}/devices/{device.DeviceId}")).Content.ReadFromJsonAsync<AccountView>(Api.Json);
        Assert.True(Assert.Single(revoked!.Devices).Revoked);

        using var client = backend.Client(device.Token);
        await Api.ProblemAsync(await client.GetAsync("device/status"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task RevokeDevice_OfAnotherAccount_Is404AndDeviceKeepsWorking()
    {
        var a = await backend.NewDeviceAsync();
        var b = await backend.NewDeviceAsync();
        using var operatorClient = backend.OperatorClient();

        await Api.ProblemAsync(await operatorClient.DeleteAsync($"admin/accounts/{a.AccountId}/devices/{b.DeviceId}"), HttpStatusCode.NotFound);

        using var client = backend.Client(b.Token);
        (await client.GetAsync("device/status")).EnsureSuccessStatusCode();
    }
}

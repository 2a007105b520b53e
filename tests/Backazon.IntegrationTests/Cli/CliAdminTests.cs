using System.Net.Http.Json;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.Uploader;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Commands;
using Backazon.Uploader.Configuration;

namespace Backazon.IntegrationTests.Cli;

/// <summary>The operator's commands through the real CLI: account list, device revoke by name.</summary>
[Collection(BackendCollection.Name)]
public sealed class CliAdminTests(BackendFixture backend) : IDisposable
{
    private readonly Operator _operator = new(backend);

    [Fact]
    public async Task AccountList_ShowsAccountsWithStatusPlanAndName()
    {
        var account = await backend.CreateAccountAsync("family", "Grace Hopper");

        var result = await _operator.RunAsync("admin", "account", "list");

        Assert.Equal(ExitCodes.Success, result.Code);
        var line = Assert.Single(result.Out.Split('\n'), l => l.StartsWith(account.Id, StringComparison.Ordinal));
        Assert.Contains("active", line);
        Assert.Contains("family", line);
        Assert.EndsWith("Grace Hopper", line.TrimEnd());
    }

    [Fact]
    public async Task DeviceRevoke_ByName_RevokesThatDeviceOnly()
    {
        var account = await backend.CreateAccountAsync();
        var kitchen = await backend.EnrollAsync(account.Id, "kitchen-pc");
        var laptop = await backend.EnrollAsync(account.Id, "laptop");

        var result = await _operator.RunAsync("admin", "device", "revoke", account.Id, "kitchen-pc");

        Assert.Equal(ExitCodes.Success, result.Code);
        Assert.Equal($"Device 'kitchen-pc' ({kitchen.DeviceId}) revoked.", result.Out.Trim());
        var devices = (await _operator.AccountAsync(account.Id)).Devices;
        Assert.True(devices.Single(d => d.Id == kitchen.DeviceId).Revoked);
        Assert.False(devices.Single(d => d.Id == laptop.DeviceId).Revoked);
    }

    [Fact]
    public async Task DeviceRevoke_AmbiguousName_IsOneSentenceListingTheIds_AndRevokesNothing()
    {
        var account = await backend.CreateAccountAsync();
        var first = await backend.EnrollAsync(account.Id, "laptop");
        var second = await backend.EnrollAsync(account.Id, "laptop");

        var result = await _operator.RunAsync("admin", "device", "revoke", account.Id, "laptop");

        Assert.Equal(ExitCodes.Failure, result.Code);
        Assert.Equal($"Several devices are called 'laptop'; give the id of the one you mean: {first.DeviceId}, {second.DeviceId}.", result.Error.Trim());
        Assert.DoesNotContain((await _operator.AccountAsync(account.Id)).Devices, d => d.Revoked);
    }

    public void Dispose() => _operator.Dispose();

    /// <summary>An operator's machine: logged in with the operator key, running the real CLI.</summary>
    public sealed class Operator : IDisposable
    {
        private readonly BackendFixture _backend;
        private readonly string _config = Directory.CreateTempSubdirectory("backazon-operator-").FullName;

        public Operator(BackendFixture backend)
        {
            _backend = backend;
            new ConfigFolder(_config).WriteSecret(OperatorConfig.FileName, new OperatorConfig(backend.BaseAddress.ToString().TrimEnd('/'), BackendFixture.OperatorKey));
        }

        public async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
        {
            var output = new StringWriter();
            var error = new StringWriter();
            var code = await BackazonCli.InvokeAsync(args, new CliContext(output, error, new ConfigFolder(_config)));
            return (code, output.ToString(), error.ToString());
        }

        public async Task<AccountView> AccountAsync(string accountId)
        {
            using var client = _backend.OperatorClient();
            return (await client.GetFromJsonAsync<AccountView>($"admin/accounts/{accountId}", Api.Json))!;
        }

        public void Dispose() => Directory.Delete(_config, recursive: true);
    }
}

/// <summary>A backend of its own, with nothing in it: what an operator sees on the first day.</summary>
public sealed class CliAdminEmptyBackendTests : IClassFixture<BackendFixture>, IDisposable
{
    private readonly CliAdminTests.Operator _operator;

    public CliAdminEmptyBackendTests(BackendFixture backend) => _operator = new(backend);

    [Theory]
    [InlineData("No stale devices: none has gone too long without a backup.", "stale-devices")]
    [InlineData("No purges scheduled: no account is canceled.", "purges")]
    [InlineData("No accounts yet: open one with 'backazon admin account create --plan PLAN'.", "account", "list")]
    public async Task EmptyList_SaysNone(string sentence, params string[] command)
    {
        var result = await _operator.RunAsync(["admin", .. command]);

        Assert.Equal(ExitCodes.Success, result.Code);
        Assert.Equal(sentence, result.Out.Trim());
        Assert.Equal("", result.Error);
    }

    public void Dispose() => _operator.Dispose();
}

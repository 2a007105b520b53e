using System.Net.Http.Headers;
using Backazon.Backend.Security;
using Backazon.Backend.Storage;
using Backazon.LocalHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Backazon.IntegrationTests.Infrastructure;

/// <summary>
/// The local backend (the real function classes, queue listeners and timers) on a free port,
/// over the shared Azurite, with a known operator key and every log line captured.
/// </summary>
public class BackendFixture : IAsyncLifetime
{
    public const string OperatorKey = "bko_test-operator-key-0123456789";

    private readonly AzuriteFixture _azurite = new();
    private readonly string _dataFolder = Directory.CreateTempSubdirectory("backazon-backend-").FullName;

    public WebApplication App { get; private set; } = null!;
    public Uri BaseAddress { get; private set; } = null!;
    public CapturedLogs Logs { get; } = new();
    public string ConnectionString => _azurite.Azurite.ConnectionString;
    public StorageClients Storage => App.Services.GetRequiredService<StorageClients>();

    /// <summary>Settings a test class needs on top of the defaults (set before start).</summary>
    public static Dictionary<string, string?> ExtraSettings { get; } = new()
    {
        ["TEST_TIMER_SCHEDULE"] = "*/1 * * * * *",
        // A plan small enough to fill in a test.
        ["Plans:tiny:DisplayName"] = "Tiny",
        ["Plans:tiny:StorageQuotaBytes"] = "1000",
        ["Plans:tiny:DeviceLimit"] = "5",
        ["Plans:tiny:MaxFileBytes"] = "600",
        ["Plans:tiny:VersionHistoryDays"] = "30",
        ["Plans:tiny:DeletedRetentionDays"] = "30",
    };

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        App = await LocalBackend.BuildAsync(
            ["--port", "0", "--data", _dataFolder],
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(ExtraSettings)
                {
                    ["DataStorage"] = _azurite.Azurite.ConnectionString,
                    ["Operator:KeyHash"] = Secrets.Hash(OperatorKey),
                });
                builder.Logging.AddProvider(Logs);
                builder.Logging.SetMinimumLevel(LogLevel.Trace);
                Configure(builder);
            },
            typeof(BackendFixture).Assembly);
        await App.StartAsync();
        BaseAddress = App.BaseAddress();
    }

    /// <summary>What a derived fixture adds to the backend before it starts.</summary>
    protected virtual void Configure(WebApplicationBuilder builder)
    {
    }

    public HttpClient Client(string? bearer = null)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseAddress, "/api/") };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return client;
    }

    public HttpClient OperatorClient() => Client(OperatorKey);

    public async Task DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        await _azurite.DisposeAsync();
        Directory.Delete(_dataFolder, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class BackendCollection : ICollectionFixture<BackendFixture>
{
    public const string Name = "backend";
}

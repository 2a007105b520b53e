using System.Collections.Concurrent;
using System.Security.Cryptography;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Backazon.Backend;
using Backazon.Backend.Accounts;
using Backazon.Backend.Catalog;
using Backazon.Backend.Configuration;
using Backazon.Backend.Content;
using Backazon.Backend.Messages;
using Backazon.Backend.Operators;
using Backazon.Backend.Retention;
using Backazon.Backend.Security;
using Backazon.Backend.Storage;
using Backazon.Backend.Uploads;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Backazon.IntegrationTests.Retention;

/// <summary>Retention work kept in a list, so a test decides when (and how often) it runs.</summary>
public sealed class ListRetentionQueue : IRetentionQueue
{
    public ConcurrentQueue<RetentionMessage> Messages { get; } = new();

    public Task SendAsync(RetentionMessage message, CancellationToken cancellationToken = default)
    {
        Messages.Enqueue(message);
        return Task.CompletedTask;
    }
}

/// <summary>
/// The backend's services over the fixture's Azurite with a fake clock and a list for the
/// retention queue: backups go through the real grant, commit and cataloging services, called
/// directly, so days pass in milliseconds. SAS URLs stay on the real clock (Azurite checks them).
/// </summary>
public sealed class RetentionHarness : IDisposable
{
    public const string Plan = "sim";

    private readonly ServiceProvider _services;

    private RetentionHarness(BackendFixture backend, Dictionary<string, string?> settings, StorageRequestCounter? requests)
    {
        // The test's settings come last: the later source wins, so they may change the plan too.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>(BackendFixture.ExtraSettings)
        {
            ["DataStorage"] = backend.ConnectionString,
            ["Plans:sim:DisplayName"] = "Simulation",
            ["Plans:sim:StorageQuotaBytes"] = "100000000",
            ["Plans:sim:DeviceLimit"] = "5",
            ["Plans:sim:MaxFileBytes"] = "1000000",
            ["Plans:sim:VersionHistoryDays"] = "30",
            ["Plans:sim:DeletedRetentionDays"] = "14",
        }).AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Clock);
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddBackazonBackend(configuration);
        services.AddSingleton<IRetentionQueue>(Queue);
        services.AddSingleton(backend.App.Services.GetRequiredService<SasIssuer>());
        if (requests is not null)
        {
            services.AddSingleton<Azure.Core.Pipeline.HttpPipelinePolicy>(requests);
        }

        _services = services.BuildServiceProvider();
        Storage = _services.GetRequiredService<StorageClients>();
    }

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);
    public ListRetentionQueue Queue { get; } = new();
    public StorageClients Storage { get; }

    /// <param name="requests">counts this harness's storage requests, when given</param>
    public static RetentionHarness Create(BackendFixture backend, Dictionary<string, string?>? settings = null, StorageRequestCounter? requests = null) =>
        new(backend, settings ?? [], requests);

    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    public async Task<DeviceCaller> NewDeviceAsync(string plan = Plan)
    {
        var account = await Get<AccountService>().CreateAsync(new CreateAccountRequest("retention test", plan));
        var deviceId = Secrets.NewId();
        await Get<AccountStore>().Table.AddEntityAsync(new DeviceEntity
        {
            PartitionKey = account.Id, RowKey = DeviceEntity.RowFor(deviceId), Name = "sim", SecretHash = "-", EnrolledAt = Clock.GetUtcNow(),
        });
        return new DeviceCaller(account.Id, deviceId);
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Backs up changes (bytes, or null for a deletion) and catalogs them, at the fake time.</summary>
    public async Task<string> BackupAsync(DeviceCaller device, IReadOnlyDictionary<string, byte[]?> changes)
    {
        var files = changes.Where(c => c.Value is not null).ToList();
        if (files.Count > 0)
        {
            var grants = await Get<UploadGrantService>().GrantAsync(device,
                new UploadGrantRequest(files.Select(f => new GrantFile(f.Key, f.Value!.Length, Sha256(f.Value))).ToList()));
            foreach (var (grant, file) in grants.Files.Zip(files))
            {
                Assert.True(grant.Outcome != GrantOutcomes.Refused, grant.Reason);
                if (grant.Outcome == GrantOutcomes.Upload)
                {
                    await new BlobClient(new Uri(grant.UploadUrl!)).UploadAsync(BinaryData.FromBytes(file.Value!), overwrite: true);
                }
            }
        }

        var commit = await Get<CommitService>().CommitAsync(device, new CommitRequest(changes.Select(c => c.Value is null
            ? new FileChange(c.Key, EntryKinds.Deleted, 0, null, null, null)
            : new FileChange(c.Key, EntryKinds.File, c.Value.Length, Sha256(c.Value), Clock.GetUtcNow(), null)).ToList()));
        await Get<CommitCataloger>().CatalogAsync(new CatalogMessage(device.AccountId, device.DeviceId, commit.CommitId));
        return commit.CommitId;
    }

    /// <summary>Runs queued retention work until none is left; returns how many messages ran.</summary>
    public async Task<int> DrainAsync(int? stopAfter = null)
    {
        var ran = 0;
        while ((stopAfter is null || ran < stopAfter) && Queue.Messages.TryDequeue(out var message))
        {
            await Get<RetentionService>().ProcessAsync(message);
            ran++;
        }

        return ran;
    }

    public async Task SweepAsync(string accountId)
    {
        await Queue.SendAsync(new RetentionMessage(accountId));
        await DrainAsync();
    }

    /// <summary>Every file version row of the account: (path, kind, committed at, hash).</summary>
    public async Task<List<(string Path, string Kind, DateTimeOffset CommittedAt, string? Hash)>> VersionsAsync(string accountId)
    {
        var rows = new List<(string, string, DateTimeOffset, string?)>();
        await foreach (var row in Get<CatalogWriter>().Table.QueryAsync<CatalogEntity>(ContentReleaser.AccountCatalogFilter(accountId)))
        {
            if (row.Kind != CatalogEntity.FolderKind)
            {
                rows.Add((row.Path, row.Kind, row.CommittedAt, row.Hash));
            }
        }

        return rows;
    }

    public async Task<Dictionary<string, long>> ContentRowsAsync(string accountId)
    {
        var rows = new Dictionary<string, long>();
        await foreach (var row in Get<AccountStore>().Table.QueryAsync<ContentEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {accountId} and RowKey ge {ContentEntity.RowPrefix} and RowKey lt {"content;"}")))
        {
            rows[row.Hash] = row.Size;
        }

        return rows;
    }

    public async Task<Dictionary<string, long>> ContentBlobsAsync(string accountId)
    {
        var blobs = new Dictionary<string, long>();
        await foreach (var blob in Storage.Blobs.GetBlobContainerClient(StorageNames.ContentContainer).GetBlobsAsync(BlobTraits.None, BlobStates.None, accountId + "/", CancellationToken.None))
        {
            blobs[blob.Name[(accountId.Length + 1)..]] = blob.Properties.ContentLength ?? -1;
        }

        return blobs;
    }

    public void Dispose() => _services.Dispose();
}

using Azure.Data.Tables;
using Backazon.Backend.Catalog;
using Backazon.Backend.Configuration;
using Backazon.Backend.Storage;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Backazon.IntegrationTests.Retention;

/// <summary>
/// The daily retention run of an account reads what came due, not what is stored: with 10,000
/// and with 100,000 versions cataloged, all in the changed file's own folder, a run that removes
/// the same expired version makes the same number of storage requests, none unbounded by
/// partition key, and reads that one file's rows of the catalog, not its folder's; so does the next day's run
/// that releases the version's content, with no read over a range of catalog partitions (the
/// reference check reads the content's first reference, not the account's catalog). (The monthly consistency pass, which does walk
/// everything, is marked as done just before.)
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class RetentionCostTests(BackendFixture backend, ITestOutputHelper output)
{
    [Fact]
    public async Task OneDailyRun_AndTheReleaseAfterIt_CostTheSameWithTenTimesAsManyVersions_AndScanNothing()
    {
        var small = await DailyRunCostAsync(10_000);
        var large = await DailyRunCostAsync(100_000);

        Assert.Empty(small.Scans);
        Assert.Empty(large.Scans);
        Assert.Empty(small.ReleaseRanges);
        Assert.Empty(large.ReleaseRanges);
        Assert.Equal(small.Requests, large.Requests);
        Assert.Equal(small.Release, large.Release);
    }

    private async Task<(int Requests, int Release, IReadOnlyCollection<string> Scans, IReadOnlyCollection<string> ReleaseRanges)> DailyRunCostAsync(int versions)
    {
        var requests = StorageRequestCounter.For(backend.ConnectionString);
        using var sim = RetentionHarness.Create(backend, requests: requests);
        var device = await sim.NewDeviceAsync();
        var seeding = System.Diagnostics.Stopwatch.StartNew();
        await SeedCatalogAsync(sim, device.AccountId, device.DeviceId, versions);
        output.WriteLine($"{versions:N0} versions seeded in {seeding.Elapsed.TotalSeconds:F1} s");

        // One file edited once: its first version leaves the 30-day history a month later.
        await sim.BackupAsync(device, new Dictionary<string, byte[]?> { ["docs/plan.txt"] = "first"u8.ToArray() });
        sim.Clock.Advance(TimeSpan.FromDays(1));
        await sim.BackupAsync(device, new Dictionary<string, byte[]?> { ["docs/plan.txt"] = "second"u8.ToArray() });
        await sim.DrainAsync();
        sim.Clock.Advance(TimeSpan.FromDays(31));
        await sim.Get<DueIndex>().Table.UpsertEntityAsync(new TableEntity("retain|full", device.AccountId) { ["At"] = sim.Clock.GetUtcNow() });

        requests.Reset();
        await sim.SweepAsync(device.AccountId);
        var (total, seen, scans) = (requests.Total, requests.Describe(), requests.Scans.ToList());
        var catalogRows = requests.RowsReadOf(StorageNames.CatalogTable);
        output.WriteLine($"{versions:N0} versions: {total} requests ({seen}), {catalogRows} catalog rows read");
        Assert.True(catalogRows <= 4, $"the run read {catalogRows:N0} catalog rows for one file of two versions");

        var plan = await sim.Get<CatalogReader>().VersionsAsync(device.AccountId, device.DeviceId, "docs/plan.txt");
        Assert.Equal(["second"], plan.Select(v => v.Hash).Select(h => h == RetentionHarness.Sha256("second"u8.ToArray()) ? "second" : h));

        // A day later the first version's content has no reference left: the run releases it.
        sim.Clock.Advance(TimeSpan.FromDays(1));
        requests.Reset();
        await sim.SweepAsync(device.AccountId);
        var (release, releaseSeen) = (requests.Total, requests.Describe());
        var ranges = requests.CrossPartitionReadsOf(StorageNames.CatalogTable).Concat(requests.Scans).ToList();
        output.WriteLine($"{versions:N0} versions, the release: {release} requests ({releaseSeen}); over catalog partitions: {string.Join(" | ", ranges)}");
        Assert.DoesNotContain(RetentionHarness.Sha256("first"u8.ToArray()), (await sim.ContentRowsAsync(device.AccountId)).Keys);
        return (total, release, scans, ranges);
    }

    /// <summary>Versions written straight into the catalog with their references, all in "docs"
    /// (where the test's file lives), a hundred a transaction, a few transactions at once: a
    /// long-lived device's folder of mail or photos.</summary>
    private static async Task SeedCatalogAsync(RetentionHarness sim, string accountId, string deviceId, int count)
    {
        var table = sim.Get<CatalogWriter>().Table;
        var references = sim.Get<ReferenceIndex>().Table;
        var at = sim.Clock.GetUtcNow().AddDays(-1);
        await Parallel.ForEachAsync(Enumerable.Range(0, count).Chunk(100).Select((files, folder) => (files, folder)),
            new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (chunk, ct) =>
            {
                const string folder = "docs";
                var rows = chunk.files.Select(i => new CatalogEntity
                {
                    PartitionKey = CatalogKeys.Partition(accountId, deviceId, folder),
                    RowKey = CatalogKeys.FileRow($"file-{i}.txt", at),
                    Path = $"{folder}/file-{i}.txt",
                    Kind = EntryKinds.File,
                    Size = 100,
                    Hash = RetentionHarness.Sha256(BitConverter.GetBytes(i)),
                    CommittedAt = at,
                    CommitId = "seeded",
                }).ToList();
                await references.SubmitTransactionAsync(rows.Select(r => new TableTransactionAction(TableTransactionActionType.Add,
                    new TableEntity(accountId, ReferenceIndex.Row(r.Hash!, r.PartitionKey, r.RowKey)))), ct);
                await table.SubmitTransactionAsync(rows.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)), ct);
            });
    }
}

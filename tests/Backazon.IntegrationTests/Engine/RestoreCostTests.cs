using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using Backazon.Backend.Catalog;
using Backazon.Backend.Configuration;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Backazon.IntegrationTests.Engine;

/// <summary>A page of a restore manifest or of "ls -r" costs the same few storage requests
/// whether the device holds 10,000 versions or 100,000, on the first page as deep in the walk.</summary>
[Collection(CountedBackendCollection.Name)]
public sealed class RestoreCostTests(CountedBackendFixture backend, ITestOutputHelper output)
{
    private const int NamesPerFolder = 100;
    private const int FoldersPerParent = 10;

    [Fact]
    public async Task ManifestAndLsRecursivePages_CostTheSameAt100000VersionsAsAt10000()
    {
        var small = await CostsAsync(10_000, pages: [1, 4]);
        var large = await CostsAsync(100_000, pages: [1, 10]);

        // The same tree shape at both sizes, so a page reads as many folders; where a page starts
        // among them moves its count by a few requests, never by the size of the tree.
        const int Slack = 6;
        foreach (var (kind, cost) in large)
        {
            var bound = small.Where(s => s.Kind == kind).Max(s => s.Cost) + Slack;
            Assert.True(cost <= bound, $"{kind} at 100,000 versions: {cost} storage requests; at 10,000 at most {bound - Slack}");
        }
    }

    /// <summary>Seeds a device with <paramref name="versions"/> versions and counts what the given
    /// pages (1-based) of a manifest and of "ls -r" of the whole tree cost.</summary>
    private async Task<List<(string Kind, int Cost)>> CostsAsync(int versions, int[] pages)
    {
        using var device = await TestDevice.CreateAsync(backend);
        var clock = Stopwatch.StartNew();
        await SeedAsync(device, versions);
        output.WriteLine($"{versions:N0} versions seeded in {clock.Elapsed.TotalSeconds:0.0} s");

        var costs = new List<(string Kind, int Cost)>();
        var manifest = await PageCostsAsync(pages, async continuation =>
        {
            var page = await device.Api.RestoreManifestAsync(new RestoreRequest(["seed"], null, null, continuation, null));
            return (page.Items.Count, page.Continuation);
        });
        var listing = await PageCostsAsync(pages, async continuation =>
        {
            var page = await device.Api.ListCatalogAsync(null, "seed", null, false, true, continuation);
            return (page.Items.Count, page.Continuation);
        });
        foreach (var (page, (cost, seen)) in pages.Zip(manifest))
        {
            output.WriteLine($"{versions:N0} versions, manifest page {page}: {cost} requests ({seen})");
            costs.Add(("manifest", cost));
        }

        foreach (var (page, (cost, seen)) in pages.Zip(listing))
        {
            output.WriteLine($"{versions:N0} versions, ls -r page {page}: {cost} requests ({seen})");
            costs.Add(("ls -r", cost));
        }

        return costs;
    }

    /// <summary>The cost of each page asked for (1-based), the pages before it read uncounted.</summary>
    private async Task<List<(int Cost, string Seen)>> PageCostsAsync(int[] pages, Func<string?, Task<(int Items, string? Continuation)>> page)
    {
        var costs = new List<(int Cost, string Seen)>();
        string? continuation = null;
        for (var number = 1; number <= pages.Max(); number++)
        {
            (int Items, string? Continuation) result = default;
            if (pages.Contains(number))
            {
                costs.Add(await backend.Requests.FewestAsync(async () => result = await page(continuation)));
                Assert.Equal(RestoreLimits.PageSize, result.Items); // a full page: the counts compare like with like
            }
            else
            {
                result = await page(continuation);
            }

            continuation = result.Continuation ?? throw new InvalidOperationException($"the walk ended at page {number}");
        }

        return costs;
    }

    /// <summary>Writes the catalog rows straight into the table, as cataloging would have (a
    /// transaction per 100 rows of a folder): "seed/mNN/lNN" folders of 100 names, each with two
    /// versions, ten leaves to a parent.</summary>
    private async Task SeedAsync(TestDevice device, int versions)
    {
        var table = new TableClient(backend.ConnectionString, StorageNames.CatalogTable);
        var first = DateTimeOffset.UtcNow.AddDays(-2);
        var leaves = versions / (2 * NamesPerFolder);
        var parents = Enumerable.Range(0, (leaves + FoldersPerParent - 1) / FoldersPerParent).Select(p => $"seed/m{p:D3}").ToList();
        var rows = new List<CatalogEntity> { Marker(device, "seed", first) };
        rows.AddRange(parents.Select(p => Marker(device, p, first)));
        for (var leaf = 0; leaf < leaves; leaf++)
        {
            var folder = $"{parents[leaf / FoldersPerParent]}/l{leaf % FoldersPerParent:D2}";
            rows.Add(Marker(device, folder, first));
            for (var name = 0; name < NamesPerFolder; name++)
            {
                rows.Add(Version(device, $"{folder}/file-{name:D3}.txt", first));
                rows.Add(Version(device, $"{folder}/file-{name:D3}.txt", first.AddHours(1)));
            }
        }

        var batches = rows.GroupBy(r => r.PartitionKey).SelectMany(partition => partition.Chunk(100));
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (batch, ct) =>
            await table.SubmitTransactionAsync(batch.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)), ct));
    }

    private static CatalogEntity Marker(TestDevice device, string folder, DateTimeOffset at)
    {
        var (parent, name) = CatalogPathRules.Split(folder);
        return new CatalogEntity
        {
            PartitionKey = CatalogKeys.Partition(device.AccountId, device.DeviceId, parent),
            RowKey = CatalogKeys.FolderRow(name),
            Path = folder,
            Kind = CatalogEntity.FolderKind,
            CommittedAt = at,
            CommitId = "seed",
        };
    }

    private static CatalogEntity Version(TestDevice device, string path, DateTimeOffset at)
    {
        var (folder, name) = CatalogPathRules.Split(path);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{path} {at:O}")));
        return new CatalogEntity
        {
            PartitionKey = CatalogKeys.Partition(device.AccountId, device.DeviceId, folder),
            RowKey = CatalogKeys.FileRow(name, at),
            Path = path,
            Kind = EntryKinds.File,
            Size = 100,
            Hash = hash,
            ModifiedAt = at,
            CommittedAt = at,
            CommitId = "seed",
        };
    }
}

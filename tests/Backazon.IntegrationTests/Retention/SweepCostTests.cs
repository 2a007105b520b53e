using Azure.Data.Tables;
using Backazon.Backend.Accounts;
using Backazon.Backend.Content;
using Backazon.Backend.Uploads;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Backazon.IntegrationTests.Retention;

/// <summary>
/// The quarter-hourly sweep reads what came due, not what is stored: with 10,000 and with
/// 100,000 contents already stored, one sweep that settles the same three grants and one commit
/// makes the same number of storage requests, and none of them reads a table unbounded by
/// partition key (which in Azure reads every partition).
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class SweepCostTests(BackendFixture backend, ITestOutputHelper output)
{
    [Fact]
    public async Task OneSweep_CostsTheSameWithTenTimesAsMuchStored_AndScansNothing()
    {
        var (small, smallScans) = await SweepCostAsync(10_000);
        var (large, largeScans) = await SweepCostAsync(100_000);

        Assert.Empty(smallScans);
        Assert.Empty(largeScans);
        Assert.Equal(small, large);
    }

    private async Task<(int Requests, IReadOnlyCollection<string> Scans)> SweepCostAsync(int stored)
    {
        var requests = StorageRequestCounter.For(backend.ConnectionString);
        using var sim = RetentionHarness.Create(backend, requests: requests);
        var device = await sim.NewDeviceAsync();
        var seeding = System.Diagnostics.Stopwatch.StartNew();
        await SeedStoredContentAsync(sim, device.AccountId, stored);
        output.WriteLine($"{stored:N0} contents seeded in {seeding.Elapsed.TotalSeconds:F1} s");

        // Whatever came due before (other tests, the first full pass) is swept first.
        sim.Clock.Advance(TimeSpan.FromDays(1));
        await sim.Get<GrantSweeper>().SweepAsync();

        // Due next: two grants committed, one abandoned after its upload, and the commit.
        await sim.BackupAsync(device, new Dictionary<string, byte[]?> { ["a.txt"] = "alpha"u8.ToArray(), ["b.txt"] = "beta"u8.ToArray() });
        await sim.Get<UploadGrantService>().GrantAsync(device, new UploadGrantRequest([new GrantFile("c.txt", 5, RetentionHarness.Sha256("gamma"u8.ToArray()))]));
        sim.Clock.Advance(TimeSpan.FromDays(1));

        requests.Reset();
        var result = await sim.Get<GrantSweeper>().SweepAsync();
        Assert.Equal(new SweepResult(0, 1, 0, 0), result);
        output.WriteLine($"{stored:N0} stored: {requests.Total} requests ({requests.Describe()})");
        return (requests.Total, requests.Scans);
    }

    /// <summary>Verified content rows written straight into the account's partition, a hundred a
    /// transaction, a few transactions at once: what a long-lived account holds.</summary>
    private static async Task SeedStoredContentAsync(RetentionHarness sim, string accountId, int count)
    {
        var table = sim.Get<AccountStore>().Table;
        var now = sim.Clock.GetUtcNow();
        await Parallel.ForEachAsync(Enumerable.Range(0, count).Chunk(100), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (chunk, ct) =>
            await table.SubmitTransactionAsync(chunk.Select(i => new TableTransactionAction(TableTransactionActionType.Add, new ContentEntity
            {
                PartitionKey = accountId,
                RowKey = ContentEntity.RowFor(RetentionHarness.Sha256(BitConverter.GetBytes(i))),
                State = ContentStates.Verified,
                Size = 100,
                IssuedAt = now,
                VerifiedAt = now,
            })), ct));
    }
}

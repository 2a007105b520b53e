using Backazon.Backend.Accounts;
using Backazon.Backend.Storage;
using Backazon.Backend.Uploads;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.IntegrationTests.Retention;
using Backazon.LocalHost.Azurite;
using Microsoft.Extensions.Hosting;

namespace Backazon.IntegrationTests.Engine;

/// <summary>
/// The weekly consistency pass scans every account, so it works within the sweep's time budget
/// and goes on where the last sweep stopped, rather than start over (and never finish) or mark
/// itself done before it ran.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class GrantSweeperFullPassTests(BackendFixture backend) : IAsyncLifetime
{
    private AzuriteProcess _azurite = null!;

    // A storage of its own: the pass's marker and its scan are service-wide.
    public async Task InitializeAsync() => _azurite = await AzuriteProcess.StartAsync(new AzuriteOptions());

    public async Task DisposeAsync() => await _azurite.DisposeAsync();

    [Fact]
    public async Task FullPass_StoppedByItsBudgetAfterEachPage_GoesOnWhereItStopped_AndEndsOnce()
    {
        using var sim = RetentionHarness.Create(backend, new()
        {
            ["DataStorage"] = _azurite.ConnectionString,
            ["Lifecycle:SweepBudgetSeconds"] = "0", // stop after every page
            ["Lifecycle:SweepPageSize"] = "1",
        });
        await sim.Get<IEnumerable<IHostedService>>().OfType<StorageInitializer>().Single().StartAsync(CancellationToken.None);
        var device = await sim.NewDeviceAsync();

        // Three commits the due index does not know (written before it existed, or its row lost).
        foreach (var i in Enumerable.Range(0, 3))
        {
            await sim.Get<AccountStore>().Table.AddEntityAsync(new CommitEntity
            {
                PartitionKey = device.AccountId,
                RowKey = CommitEntity.RowFor($"{i:D24}"),
                DeviceId = device.DeviceId,
                CommittedAt = sim.Clock.GetUtcNow().AddHours(-1),
                State = CommitStates.Pending,
            });
        }

        var requeued = new List<int>();
        for (var sweep = 0; sweep < 4; sweep++)
        {
            requeued.Add((await sim.Get<GrantSweeper>().SweepAsync()).Requeued);
        }

        Assert.Equal([1, 1, 1, 0], requeued);
        sim.Clock.Advance(GrantSweeper.FullPassEvery);
        Assert.Equal(1, (await sim.Get<GrantSweeper>().SweepAsync()).Requeued); // a week on, the next pass begins
    }
}

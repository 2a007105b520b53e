using Azure.Storage.Blobs;
using Backazon.Backend.Accounts;
using Backazon.Backend.Configuration;
using Backazon.Backend.Content;
using Backazon.Backend.Messages;
using Backazon.Backend.Retention;
using Backazon.Backend.Storage;
using Backazon.Backend.Uploads;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.IntegrationTests.Retention;
using Backazon.LocalHost.Azurite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Backazon.IntegrationTests.Engine;

/// <summary>
/// The sweeps' work stays bounded: the weekly consistency pass works within the sweep's time
/// budget and goes on where the last sweep stopped (rather than start over, never finish, or
/// mark itself done before it ran); a commit that never catalogs ends failed after a bounded
/// number of tries; commits leave storage once the plan's history has passed them.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class SweeperTests(BackendFixture backend) : IAsyncLifetime
{
    private AzuriteProcess _azurite = null!;

    // A storage of each test's own: the pass's marker, its scan and the queue are service-wide.
    public async Task InitializeAsync() => _azurite = await AzuriteProcess.StartAsync(new AzuriteOptions());

    public async Task DisposeAsync() => await _azurite.DisposeAsync();

    [Fact]
    public async Task FullPass_StoppedByItsBudgetAfterEachPage_GoesOnWhereItStopped_AndEndsOnce()
    {
        using var sim = await HarnessAsync(new()
        {
            ["Lifecycle:SweepBudgetSeconds"] = "0", // stop after every page
            ["Lifecycle:SweepPageSize"] = "1",
        });
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

    [Fact]
    public async Task Commit_NeverCataloged_EndsFailedAfterItsRequeues_AndIsNotQueuedAgain()
    {
        using var sim = await HarnessAsync();
        var device = await sim.NewDeviceAsync();
        var commit = await sim.Get<CommitService>().CommitAsync(device, new CommitRequest([new FileChange("gone.txt", EntryKinds.Deleted, 0, null, null, null)]));
        var queue = sim.Storage.Queues.GetQueueClient(StorageNames.CatalogQueue);

        // Nothing catalogs it here: each sweep a little later queues it again, until it gives up.
        var sweeps = 0;
        while ((await CommitRowAsync(sim, device, commit.CommitId)).State == CommitStates.Pending)
        {
            Assert.True(++sweeps <= 2 * GrantSweeper.MaxRequeues, "the commit was requeued without end");
            sim.Clock.Advance(GrantSweeper.CommitRequeueAfter);
            await sim.Get<GrantSweeper>().SweepAsync();
        }

        Assert.Equal(CommitStates.Failed, (await CommitRowAsync(sim, device, commit.CommitId)).State);
        Assert.Equal(CommitStates.Failed, (await sim.Get<CommitService>().StatusAsync(device, commit.CommitId)).State);
        var queued = (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
        Assert.Equal(1 + GrantSweeper.MaxRequeues, queued); // the commit's own message and one per requeue
        foreach (var later in new[] { GrantSweeper.CommitRequeueAfter, TimeSpan.FromDays(1), GrantSweeper.FullPassEvery })
        {
            sim.Clock.Advance(later);
            Assert.Equal(0, (await sim.Get<GrantSweeper>().SweepAsync()).Requeued);
        }

        Assert.Equal(queued, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task Commits_OlderThanThePlansHistory_AreForgotten_WithTheirResults()
    {
        using var sim = await HarnessAsync();
        var device = await sim.NewDeviceAsync();
        var old = await sim.BackupAsync(device, new Dictionary<string, byte[]?> { ["a.txt"] = "alpha"u8.ToArray() });
        var uploads = sim.Storage.Blobs.GetBlobContainerClient(StorageNames.UploadsContainer);
        await uploads.GetBlobClient(CommitService.ResultBlobName(device.AccountId, old)).UploadAsync(BinaryData.FromString("[]"), overwrite: true);
        sim.Clock.Advance(TimeSpan.FromDays(31)); // the sim plan keeps 30 days
        var recent = await sim.BackupAsync(device, new Dictionary<string, byte[]?> { ["b.txt"] = "beta"u8.ToArray() });

        await sim.Get<RetentionService>().SweepAccountAsync(new RetentionMessage(device.AccountId));

        Assert.False((await sim.Get<AccountStore>().Table.GetEntityIfExistsAsync<CommitEntity>(device.AccountId, CommitEntity.RowFor(old))).HasValue);
        Assert.False(await uploads.GetBlobClient(CommitService.ResultBlobName(device.AccountId, old)).ExistsAsync());
        Assert.Equal(CommitStates.Cataloged, (await CommitRowAsync(sim, device, recent)).State);
    }

    [Fact]
    public async Task Upload_LargerThanDeclared_IsTakenBackAndCounted_OnceItsSasRunsOut_NotAnHourLater()
    {
        using var sim = await HarnessAsync();
        var device = await sim.NewDeviceAsync();
        var declared = "ten bytes!"u8.ToArray();
        var grants = await sim.Get<UploadGrantService>().GrantAsync(device,
            new UploadGrantRequest([new GrantFile("liar.txt", declared.Length, RetentionHarness.Sha256(declared))]));
        await new BlobClient(new Uri(Assert.Single(grants.Files).UploadUrl!)).UploadAsync(BinaryData.FromBytes(new byte[3 * 1024 * 1024]));
        var upload = sim.Get<ContentBlobs>().Blob(device.AccountId, RetentionHarness.Sha256(declared)); // the backend's view

        await sim.Get<GrantSweeper>().SweepAsync(); // the SAS still lives: the device may be mid-upload
        Assert.True(await upload.ExistsAsync());

        sim.Clock.Advance(TimeSpan.FromMinutes(sim.Get<IOptions<SasOptions>>().Value.UploadMinutes) + TimeSpan.FromSeconds(1));
        await sim.Get<GrantSweeper>().SweepAsync();

        Assert.False(await upload.ExistsAsync());
        var row = await sim.Get<AccountStore>().FindDeviceAsync(device.AccountId, device.DeviceId);
        Assert.Equal((1, 3L * 1024 * 1024), (row!.RejectedUploads, row.RejectedBytes));
        Assert.Equal(0, (await sim.Get<AccountStore>().GetAccountAsync(device.AccountId)).ReservedBytes);
    }

    private async Task<RetentionHarness> HarnessAsync(Dictionary<string, string?>? settings = null)
    {
        var sim = RetentionHarness.Create(backend, new(settings ?? []) { ["DataStorage"] = _azurite.ConnectionString });
        await sim.Get<IEnumerable<IHostedService>>().OfType<StorageInitializer>().Single().StartAsync(CancellationToken.None);
        return sim;
    }

    private static async Task<CommitEntity> CommitRowAsync(RetentionHarness sim, Backazon.Backend.Security.DeviceCaller device, string commitId) =>
        (await sim.Get<AccountStore>().Table.GetEntityAsync<CommitEntity>(device.AccountId, CommitEntity.RowFor(commitId))).Value;
}

using Azure.Storage.Blobs;
using Backazon.Backend.Content;
using Backazon.Backend.Messages;
using Backazon.Backend.Uploads;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.IntegrationTests.Retention;
using Backazon.Uploader.Planning;

namespace Backazon.IntegrationTests.Engine;

/// <summary>A device's staging blob after its chunked content was checked: a device rewriting it
/// through its still-live SAS changes nothing checked, and the grant sweeper deletes it once no
/// SAS can write it again.</summary>
[Collection(BackendCollection.Name)]
public sealed class ChunkedStagingTests(BackendFixture backend)
{
    [Fact]
    public async Task StagingRewrittenAfterTheCheck_LeavesTheContentAlone_AndGoesWhenTheGrantEnds()
    {
        using var sim = RetentionHarness.Create(backend, new() { ["Plans:sim:MaxFileBytes"] = "100000000" });
        var device = await sim.NewDeviceAsync();
        var bytes = new byte[BackupLimits.ChunkedMinBytes + 4321];
        new Random(16).NextBytes(bytes);
        using var identity = ContentIdentity.For(bytes.Length);
        identity.Append(bytes);
        var (hash, chunks) = identity.Finish();

        var grant = (await sim.Get<UploadGrantService>().GrantAsync(device, new UploadGrantRequest([new GrantFile("disk.img", bytes.Length, hash, chunks)]))).Files[0];
        Assert.Equal((GrantOutcomes.Upload, 0), (grant.Outcome, grant.Held!.Count));
        var staging = new BlobClient(new Uri(grant.UploadUrl!)); // write only: the backend's client looks
        var stagingSeen = sim.Get<ChunkLists>().Staging(device.AccountId, hash);
        await staging.UploadAsync(BinaryData.FromBytes(bytes)); // no base: every chunk is new, in order
        var commit = await sim.Get<CommitService>().CommitAsync(device, new CommitRequest([new FileChange("disk.img", EntryKinds.File, bytes.Length, hash, sim.Clock.GetUtcNow(), null)]));
        await sim.Get<CommitCataloger>().CatalogAsync(new CatalogMessage(device.AccountId, device.DeviceId, commit.CommitId));

        var row = await sim.Get<Backazon.Backend.Accounts.AccountStore>().Table.GetEntityAsync<ContentEntity>(device.AccountId, ContentEntity.RowFor(hash));
        var content = sim.Get<ContentBlobs>().Checked(row.Value); // the version: a snapshot of the file's lineage blob
        var checkedETag = (await content.GetPropertiesAsync()).Value.ETag;
        Assert.False(await stagingSeen.ExistsAsync()); // the check took what it needed

        await staging.UploadAsync(BinaryData.FromBytes(new byte[1024]), overwrite: true); // the SAS still lives
        await sim.Get<ChunkedContentBuilder>().BuildAndCheckAsync(device.AccountId, hash); // a second check, as the sweeper's would be
        Assert.Equal(checkedETag, (await content.GetPropertiesAsync()).Value.ETag);
        Assert.Equal(bytes, (await content.DownloadContentAsync()).Value.Content.ToArray());

        await staging.UploadAsync(BinaryData.FromBytes(new byte[1024]), overwrite: true); // and again, after that check removed it
        await sim.Get<GrantSweeper>().SweepAsync();
        Assert.True(await stagingSeen.ExistsAsync()); // the grant's time is not up
        sim.Clock.Advance(TimeSpan.FromHours(2));
        await sim.Get<GrantSweeper>().SweepAsync();

        Assert.False(await stagingSeen.ExistsAsync());
    }
}

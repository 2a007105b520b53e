using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Backazon.Backend.Content;
using Backazon.Backend.Plans;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;

namespace Backazon.IntegrationTests.Retention;

/// <summary>
/// The tiering tag against real storage: set on big content once only old versions point at it
/// and the plan keeps it long enough, taken off when the same bytes are in force again, never on
/// content a version in force still uses or that a short history would drop early; content
/// checked as a snapshot moves onto its blob first, and tagged content, even in the cool tier,
/// restores through its signed link.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class ContentTieringTests(BackendFixture backend)
{
    // Sent in one request (no snapshot), and just big enough to be worth tiering.
    private const int Big = (int)ContentTiering.MinBytes;

    // A year of history, deleted files kept 90 days: the "personal" shape. Content stays hot
    // after its check (as content checked before ColdAfterCheck, or whose move failed, does):
    // tagging is what moves it.
    private static RetentionHarness LongHistory(BackendFixture backend) => RetentionHarness.Create(backend, new()
    {
        ["Lifecycle:ColdAfterCheck"] = "false",
        ["Plans:sim:MaxFileBytes"] = "20000000",
        ["Plans:sim:VersionHistoryDays"] = "365",
        ["Plans:sim:DeletedRetentionDays"] = "90",
    });

    [Fact]
    public async Task BigContent_IsTaggedWhenOnlyOldVersionsPointAtIt_AndUntaggedWhenItIsInForceAgain()
    {
        using var sim = LongHistory(backend);
        var device = await sim.NewDeviceAsync();
        byte[] a = Random(Big), b = Random(Big);
        await BackupAsync(sim, device, new() { ["mail.pst"] = a });
        await sim.DrainAsync();
        Assert.Empty(await TagsAsync(sim, device.AccountId, a));

        await BackupAsync(sim, device, new() { ["mail.pst"] = b });
        await sim.DrainAsync();
        Assert.Equal(ContentTiering.OldValue, (await TagsAsync(sim, device.AccountId, a)).GetValueOrDefault(ContentTiering.TagName));
        Assert.Empty(await TagsAsync(sim, device.AccountId, b));

        // Lifecycle management moved it to cool: the old version still restores through its link.
        await sim.Get<ContentBlobs>().Blob(device.AccountId, RetentionHarness.Sha256(a)).SetAccessTierAsync(AccessTier.Cool);
        Assert.Equal(RetentionHarness.Sha256(a), await RestoredAsync(sim, device, "mail.pst", oldest: true));

        // The same bytes come back: in force again, the tag goes; the version they replace is old now.
        await BackupAsync(sim, device, new() { ["mail.pst"] = a });
        Assert.Empty(await TagsAsync(sim, device.AccountId, a));
        await sim.DrainAsync();
        Assert.Empty(await TagsAsync(sim, device.AccountId, a));
        Assert.Equal(ContentTiering.OldValue, (await TagsAsync(sim, device.AccountId, b)).GetValueOrDefault(ContentTiering.TagName));
    }

    [Fact]
    public async Task ContentCheckedAsASnapshot_MovesOntoItsBlob_BeforeItIsTagged()
    {
        using var sim = LongHistory(backend);
        var device = await sim.NewDeviceAsync();
        byte[] a = Random((int)BackupLimits.SinglePutMaxBytes + 1024), b = Random(Big);
        await BackupAsync(sim, device, new() { ["disk.img"] = a });
        await BackupAsync(sim, device, new() { ["disk.img"] = b });
        await sim.DrainAsync();
        Assert.Empty(await TagsAsync(sim, device.AccountId, a)); // its upload SAS may still be alive
        Assert.True(await OnItsSnapshotAsync(sim, device.AccountId, a));

        // The upload window is over and the blob is what was checked: restores read the blob.
        sim.Clock.Advance(TimeSpan.FromHours(2));
        await sim.SweepAsync(device.AccountId); // the first sweep walks the catalog
        Assert.Empty(await TagsAsync(sim, device.AccountId, a));
        Assert.Equal(RetentionHarness.Sha256(a), await RestoredAsync(sim, device, "disk.img", oldest: true));

        // A link to the snapshot, given out before, may live a week: the snapshot stays till then.
        sim.Clock.Advance(TimeSpan.FromDays(1));
        Assert.False(await sim.Get<ContentTiering>().TagIfOldAsync(device.AccountId, RetentionHarness.Sha256(a), new RetentionRules(365, 90), sim.Clock.GetUtcNow()));
        Assert.NotEqual(0, await SnapshotsAsync(sim, device.AccountId, a));

        // A month on, no link to the snapshot can be alive: it goes, and the blob is tagged.
        sim.Clock.Advance(TimeSpan.FromDays(31));
        await sim.SweepAsync(device.AccountId);
        Assert.Equal(0, await SnapshotsAsync(sim, device.AccountId, a));
        Assert.Equal(ContentTiering.OldValue, (await TagsAsync(sim, device.AccountId, a)).GetValueOrDefault(ContentTiering.TagName));
        Assert.Equal(RetentionHarness.Sha256(a), await RestoredAsync(sim, device, "disk.img", oldest: true));
    }

    [Fact]
    public async Task ContentRewrittenInItsUploadWindow_StaysOnTheSnapshotItWasCheckedAs()
    {
        using var sim = LongHistory(backend);
        var device = await sim.NewDeviceAsync();
        var a = Random((int)BackupLimits.SinglePutMaxBytes + 1024);
        await BackupAsync(sim, device, new() { ["disk.img"] = a });
        await BackupAsync(sim, device, new() { ["disk.img"] = Random(Big) });

        // What a device still holding its write SAS could do after the check.
        await sim.Get<ContentBlobs>().Blob(device.AccountId, RetentionHarness.Sha256(a)).UploadAsync(BinaryData.FromBytes(Random(a.Length)), overwrite: true);
        sim.Clock.Advance(TimeSpan.FromHours(2));
        await sim.SweepAsync(device.AccountId);
        sim.Clock.Advance(TimeSpan.FromDays(31));
        await sim.SweepAsync(device.AccountId);

        Assert.True(await OnItsSnapshotAsync(sim, device.AccountId, a));
        Assert.Empty(await TagsAsync(sim, device.AccountId, a));
        Assert.Equal(RetentionHarness.Sha256(a), await RestoredAsync(sim, device, "disk.img", oldest: true));
    }

    [Fact]
    public async Task ContentAVersionInForceStillUses_IsNotTagged_UntilThatFileIsDeleted()
    {
        using var sim = LongHistory(backend);
        var device = await sim.NewDeviceAsync();
        byte[] a = Random(Big), b = Random(Big), small = Random(Big - 1);
        await BackupAsync(sim, device, new() { ["disk.img"] = a, ["notes.txt"] = small });
        await BackupAsync(sim, device, new() { ["copy.img"] = a });
        await BackupAsync(sim, device, new() { ["disk.img"] = b, ["notes.txt"] = Random(1024) });
        await sim.DrainAsync();
        Assert.Empty(await TagsAsync(sim, device.AccountId, a));
        Assert.Empty(await TagsAsync(sim, device.AccountId, small)); // below the size where tiering pays

        // Deleted, the copy keeps its last version 90 days, and the old version of disk.img keeps
        // the same bytes a year: no version in force points at them, and they stay long enough.
        await BackupAsync(sim, device, new() { ["copy.img"] = null });
        await sim.DrainAsync();
        Assert.Equal(ContentTiering.OldValue, (await TagsAsync(sim, device.AccountId, a)).GetValueOrDefault(ContentTiering.TagName));
    }

    [Fact]
    public async Task ContentInForceLeftTaggedByARace_IsUntaggedByTheMonthlyWalk()
    {
        using var sim = LongHistory(backend);
        var device = await sim.NewDeviceAsync();
        var a = Random(Big);
        await BackupAsync(sim, device, new() { ["mail.pst"] = a });

        // As a commit bringing the bytes back while the tagging ran would leave it.
        var store = sim.Get<Backend.Accounts.AccountStore>();
        var row = (await store.Table.GetEntityAsync<Backend.Content.ContentEntity>(device.AccountId, Backend.Content.ContentEntity.RowFor(RetentionHarness.Sha256(a)))).Value;
        row.TaggedOld = true;
        await store.Table.UpdateEntityAsync(row, row.ETag);
        var blob = sim.Get<ContentBlobs>().Blob(device.AccountId, RetentionHarness.Sha256(a));
        await blob.SetTagsAsync(new Dictionary<string, string> { [ContentTiering.TagName] = ContentTiering.OldValue });

        await sim.SweepAsync(device.AccountId); // the first sweep walks the catalog
        Assert.Empty(await TagsAsync(sim, device.AccountId, a));
        Assert.False((await store.Table.GetEntityAsync<Backend.Content.ContentEntity>(row.PartitionKey, row.RowKey)).Value.TaggedOld);
    }

    [Fact]
    public async Task ShortHistory_NeverTags()
    {
        // The harness's plan: 30 days of history, deleted files 14 days — shorter than cold's 90.
        using var sim = RetentionHarness.Create(backend, new() { ["Plans:sim:MaxFileBytes"] = "20000000" });
        var device = await sim.NewDeviceAsync();
        byte[] a = Random(Big);
        await BackupAsync(sim, device, new() { ["video.mov"] = a });
        await BackupAsync(sim, device, new() { ["video.mov"] = Random(Big) });
        await sim.DrainAsync();
        await sim.SweepAsync(device.AccountId);
        Assert.Empty(await TagsAsync(sim, device.AccountId, a));
    }

    /// <summary>The SHA-256 of what the file's newest (or oldest) version's signed link returns.</summary>
    private static async Task<string> RestoredAsync(RetentionHarness sim, Backend.Security.DeviceCaller device, string path, bool oldest)
    {
        var restores = sim.Get<Backend.Restores.RestoreService>();
        var history = await restores.VersionsAsync(device, null, path);
        var manifest = await restores.ManifestAsync(device, new RestoreRequest([path], null, oldest ? history[^1].VersionAt : null, null, null));
        var link = Assert.Single(manifest.Items).DownloadUrl!;
        return RetentionHarness.Sha256((await new BlobClient(new Uri(link)).DownloadContentAsync()).Value.Content.ToArray());
    }

    /// <summary>Whether the content row still names the snapshot that was checked, and it is there.</summary>
    private static async Task<bool> OnItsSnapshotAsync(RetentionHarness sim, string accountId, byte[] content)
    {
        var hash = RetentionHarness.Sha256(content);
        var row = await sim.Get<Backend.Accounts.AccountStore>().Table.GetEntityAsync<Backend.Content.ContentEntity>(accountId, Backend.Content.ContentEntity.RowFor(hash));
        return row.Value.Snapshot is { } snapshot && await sim.Get<ContentBlobs>().Blob(accountId, hash).WithSnapshot(snapshot).ExistsAsync();
    }

    /// <summary>The content's snapshots: the checked one, and any a concurrent check of the same
    /// commit took (the fixture's backend catalogs the harness's commits too); they go together.</summary>
    private static async Task<int> SnapshotsAsync(RetentionHarness sim, string accountId, byte[] content)
    {
        var count = 0;
        var name = ContentBlobs.Name(accountId, RetentionHarness.Sha256(content));
        await foreach (var blob in sim.Get<ContentBlobs>().Container.GetBlobsAsync(BlobTraits.None, BlobStates.Snapshots, name, CancellationToken.None))
        {
            count += blob.Snapshot is null ? 0 : 1;
        }

        return count;
    }

    /// <summary>A backup a minute after the last one (each commit is a moment of its own).</summary>
    private static async Task BackupAsync(RetentionHarness sim, Backend.Security.DeviceCaller device, Dictionary<string, byte[]?> changes)
    {
        sim.Clock.Advance(TimeSpan.FromMinutes(1));
        await sim.BackupAsync(device, changes);
    }

    private static async Task<Dictionary<string, string>> TagsAsync(RetentionHarness sim, string accountId, byte[] content) =>
        new((await sim.Get<ContentBlobs>().Blob(accountId, RetentionHarness.Sha256(content)).GetTagsAsync()).Value.Tags);

    private static byte[] Random(int length)
    {
        var bytes = new byte[length];
        System.Random.Shared.NextBytes(bytes);
        return bytes;
    }
}

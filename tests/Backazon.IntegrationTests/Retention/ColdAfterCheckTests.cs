using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Backazon.Backend.Accounts;
using Backazon.Backend.Content;
using Backazon.Backend.Plans;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;

namespace Backazon.IntegrationTests.Retention;

/// <summary>
/// Content rests in cold once a commit has checked it, against real storage: a blob of its own
/// gets the cold tier explicitly (read while hot first), small content and a big file's lineage
/// blob keep the account's default (an explicit tier would bill every version whole), a short
/// history keeps content hot, old cold content is not tagged for tiering, and every version
/// restores through its signed link.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class ColdAfterCheckTests(BackendFixture backend)
{
    private const int MiB = 1024 * 1024;

    // A year of history, deleted files kept 90 days: the "personal" shape.
    private static RetentionHarness LongHistory(BackendFixture backend) => RetentionHarness.Create(backend, new()
    {
        ["Plans:sim:MaxFileBytes"] = "100000000",
        ["Plans:sim:StorageQuotaBytes"] = "10000000000",
        ["Plans:sim:VersionHistoryDays"] = "365",
        ["Plans:sim:DeletedRetentionDays"] = "90",
    });

    [Fact]
    public async Task CheckedContent_RestsInCold_LineageBlobsAndSmallContentKeepTheDefault_AndAllRestore()
    {
        using var sim = LongHistory(backend);
        var device = await sim.NewDeviceAsync();
        byte[] photo = Random(2 * MiB), note = Random(10_000), scan = Random((int)BackupLimits.SinglePutMaxBytes + MiB);
        await sim.BackupAsync(device, new Dictionary<string, byte[]?> { ["photo.jpg"] = photo, ["note.txt"] = note, ["scan.pdf"] = scan });

        var photoBlob = await PropertiesAsync(sim, device.AccountId, photo);
        Assert.Equal(AccessTier.Cold, photoBlob.AccessTier);
        Assert.False(photoBlob.AccessTierInferred);
        Assert.True((await PropertiesAsync(sim, device.AccountId, note)).AccessTierInferred); // under a megabyte: a move would cost more than it saves

        // Sent in blocks: checked as a snapshot, which restores read for now; its blob is cold,
        // the snapshot keeps the default tier until restores move onto the blob.
        Assert.Equal(AccessTier.Cold, (await PropertiesAsync(sim, device.AccountId, scan)).AccessTier);
        var scanRow = await RowAsync(sim, device.AccountId, scan);
        Assert.NotNull(scanRow.Snapshot);
        Assert.True((await sim.Get<ContentBlobs>().Blob(device.AccountId, scanRow.Hash).WithSnapshot(scanRow.Snapshot).GetPropertiesAsync()).Value.AccessTierInferred);

        foreach (var (path, bytes) in new[] { ("photo.jpg", photo), ("note.txt", note), ("scan.pdf", scan) })
        {
            Assert.Equal(RetentionHarness.Sha256(bytes), await RestoredAsync(sim, device, path));
        }

        // A big file: its versions are snapshots of one lineage blob, which never gets a tier.
        var mailbox = Random(20 * MiB);
        var first = await SharedVersionsRetentionTests.BackupAsync(sim, device, mailbox, null);
        mailbox[MiB] ^= 0xFF;
        sim.Clock.Advance(TimeSpan.FromDays(1));
        await SharedVersionsRetentionTests.BackupAsync(sim, device, mailbox, first);
        var lineage = sim.Get<LineageBlobs>().Blob((await sim.Get<AccountStore>().Table.GetEntityAsync<ContentEntity>(device.AccountId, ContentEntity.RowFor(first))).Value.Blob!);
        Assert.True((await lineage.GetPropertiesAsync()).Value.AccessTierInferred);
        await foreach (var version in sim.Get<ContentBlobs>().Container.GetBlobsAsync(BlobTraits.None, BlobStates.Snapshots, lineage.Name, CancellationToken.None))
        {
            Assert.True(version.Properties.AccessTierInferred, $"lineage snapshot {version.Snapshot} has no tier of its own");
        }

        Assert.Equal(RetentionHarness.Sha256(mailbox), await RestoredAsync(sim, device, "mailbox.pst"));
    }

    [Fact]
    public async Task OldColdContent_IsNotTaggedForTiering()
    {
        using var sim = LongHistory(backend);
        var device = await sim.NewDeviceAsync();
        byte[] a = Random((int)ContentTiering.MinBytes), b = Random((int)ContentTiering.MinBytes);
        await sim.BackupAsync(device, new Dictionary<string, byte[]?> { ["mail.pst"] = a });
        sim.Clock.Advance(TimeSpan.FromMinutes(1));
        await sim.BackupAsync(device, new Dictionary<string, byte[]?> { ["mail.pst"] = b });
        await sim.DrainAsync();

        // Only an old version points at a now: big enough and kept long enough to be tagged, but
        // already in cold, the cheapest place the lifecycle rule could move it to.
        Assert.False(await sim.Get<ContentTiering>().TagIfOldAsync(device.AccountId, RetentionHarness.Sha256(a), new RetentionRules(365, 90), sim.Clock.GetUtcNow()));
        Assert.Empty((await sim.Get<ContentBlobs>().Blob(device.AccountId, RetentionHarness.Sha256(a)).GetTagsAsync()).Value.Tags);
        Assert.Equal(AccessTier.Cold, (await PropertiesAsync(sim, device.AccountId, a)).AccessTier);
    }

    [Theory]
    [InlineData("30", "14")] // a deleted file may go after 14 days: cold's 90-day minimum costs more
    [InlineData("10", "0")]
    public async Task ShortHistory_KeepsContentHot(string versionDays, string deletedDays)
    {
        using var sim = RetentionHarness.Create(backend, new()
        {
            ["Plans:sim:MaxFileBytes"] = "100000000",
            ["Plans:sim:VersionHistoryDays"] = versionDays,
            ["Plans:sim:DeletedRetentionDays"] = deletedDays,
        });
        var device = await sim.NewDeviceAsync();
        var photo = Random(2 * MiB);
        await sim.BackupAsync(device, new Dictionary<string, byte[]?> { ["photo.jpg"] = photo });

        Assert.True((await PropertiesAsync(sim, device.AccountId, photo)).AccessTierInferred);
    }

    private static async Task<BlobProperties> PropertiesAsync(RetentionHarness sim, string accountId, byte[] content) =>
        (await sim.Get<ContentBlobs>().Blob(accountId, RetentionHarness.Sha256(content)).GetPropertiesAsync()).Value;

    private static async Task<ContentEntity> RowAsync(RetentionHarness sim, string accountId, byte[] content) =>
        (await sim.Get<AccountStore>().Table.GetEntityAsync<ContentEntity>(accountId, ContentEntity.RowFor(RetentionHarness.Sha256(content)))).Value;

    /// <summary>The SHA-256 of what the file's newest version's signed link returns.</summary>
    private static async Task<string> RestoredAsync(RetentionHarness sim, Backend.Security.DeviceCaller device, string path)
    {
        var manifest = await sim.Get<Backend.Restores.RestoreService>().ManifestAsync(device, new RestoreRequest([path], null, null, null, null));
        var link = Assert.Single(manifest.Items).DownloadUrl!;
        return RetentionHarness.Sha256((await new BlobClient(new Uri(link)).DownloadContentAsync()).Value.Content.ToArray());
    }

    private static byte[] Random(int length) => BigFiles.RandomBytes(System.Random.Shared, length);
}

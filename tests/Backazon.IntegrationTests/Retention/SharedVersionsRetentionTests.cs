using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Backazon.Backend.Accounts;
using Backazon.Backend.Configuration;
using Backazon.Backend.Content;
using Backazon.Backend.Messages;
using Backazon.Backend.Security;
using Backazon.Backend.Uploads;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.Uploader.Planning;

namespace Backazon.IntegrationTests.Retention;

/// <summary>A big file's daily versions, kept as snapshots of one lineage blob, age out of a
/// 30-day history: retention deletes exactly their snapshots, storage frees exactly the blocks
/// no kept version holds, and every kept version still reads back whole.</summary>
[Collection(BackendCollection.Name)]
public sealed class SharedVersionsRetentionTests(BackendFixture backend)
{
    private const int MiB = 1024 * 1024;
    private const int Size = 20 * MiB;

    [Fact]
    public async Task OldVersionsAgeOut_TheirSnapshotsGo_AndOnlyTheirUniqueBlocksAreFreed()
    {
        using var sim = RetentionHarness.Create(backend, new()
        {
            ["Plans:sim:MaxFileBytes"] = "100000000", ["Plans:sim:StorageQuotaBytes"] = "10000000000", ["Lifecycle:ContentReleaseDelayHours"] = "1",
        });
        var device = await sim.NewDeviceAsync();
        var random = new Random(2626);
        var bytes = new byte[Size];
        random.NextBytes(bytes);
        var contents = new List<(string Hash, byte[] Bytes)>();
        string? previous = null;
        for (var day = 0; day < 6; day++)
        {
            if (day > 0)
            {
                sim.Clock.Advance(TimeSpan.FromDays(1));
                bytes = (byte[])bytes.Clone();
                random.NextBytes(bytes.AsSpan(random.Next(Size - MiB), MiB));
            }

            previous = await BackupAsync(sim, device, bytes, previous);
            contents.Add((previous, bytes));
        }

        var rows = new List<ContentEntity>();
        foreach (var (hash, _) in contents)
        {
            rows.Add((await sim.Get<AccountStore>().Table.GetEntityAsync<ContentEntity>(device.AccountId, ContentEntity.RowFor(hash))).Value);
        }

        Assert.Single(rows.Select(r => r.Blob).Distinct()); // one lineage blob holds every version
        var lineage = sim.Get<LineageBlobs>().Blob(rows[0].Blob!);
        var blocksOf = new Dictionary<string, Dictionary<string, long>>();
        foreach (var row in rows)
        {
            blocksOf[row.Hash] = await BlocksAsync(lineage.WithSnapshot(row.Snapshot!));
        }

        var current = await BlocksAsync(lineage);
        var container = sim.Storage.Blobs.GetBlobContainerClient(StorageNames.ContentContainer);
        var before = await BilledBlocks.UniqueBytesAsync(container, device.AccountId);

        // Day 33: the versions replaced more than 30 days ago leave the history.
        sim.Clock.Advance(TimeSpan.FromDays(28));
        await sim.SweepAsync(device.AccountId);
        sim.Clock.Advance(TimeSpan.FromHours(2));
        await sim.SweepAsync(device.AccountId);

        var kept = (await sim.ContentRowsAsync(device.AccountId)).Keys.ToHashSet();
        var released = contents.Where(c => !kept.Contains(c.Hash)).Select(c => c.Hash).ToList();
        Assert.NotEmpty(released);
        Assert.Contains(contents[^1].Hash, kept);
        var snapshots = (await sim.Get<LineageBlobs>().VersionsAsync(rows[0].Blob!)).Select(v => v.Snapshot).ToHashSet();
        Assert.Equal(rows.Where(r => kept.Contains(r.Hash)).Select(r => r.Snapshot!).ToHashSet(), snapshots); // exactly the released ones went

        var stillHeld = kept.SelectMany(h => blocksOf[h]).Concat(current).Select(b => b.Key).ToHashSet();
        var freedExpected = released.SelectMany(h => blocksOf[h]).Where(b => !stillHeld.Contains(b.Key)).DistinctBy(b => b.Key).Sum(b => b.Value);
        var after = await BilledBlocks.UniqueBytesAsync(container, device.AccountId);
        Assert.True(freedExpected > 0, "the released versions held blocks of their own");
        Assert.Equal(freedExpected, before - after);

        foreach (var (hash, expected) in contents.Where(c => kept.Contains(c.Hash)))
        {
            var row = rows.Single(r => r.Hash == hash);
            Assert.Equal(expected, (await sim.Get<ContentBlobs>().Checked(row).DownloadContentAsync()).Value.Content.ToArray());
        }

        // A snapshot no row names (a crash after a build's snapshot) goes with the monthly pass;
        // the version a row names stays.
        var orphan = (await lineage.CreateSnapshotAsync()).Value.Snapshot;
        sim.Clock.Advance(TimeSpan.FromDays(32));
        await sim.SweepAsync(device.AccountId);
        await sim.SweepAsync(device.AccountId);
        var left = (await sim.Get<LineageBlobs>().VersionsAsync(rows[0].Blob!)).Select(v => v.Snapshot).ToList();
        Assert.DoesNotContain(orphan, left);
        Assert.Contains(rows[^1].Snapshot!, left);
        Assert.Equal(contents[^1].Bytes, (await sim.Get<ContentBlobs>().Checked(rows[^1]).DownloadContentAsync()).Value.Content.ToArray());
    }

    /// <summary>One version, as the uploader sends it: the grant names the previous content as
    /// the base, and the staging blob gets the chunks the base does not hold, each once, in order.</summary>
    /// <summary>Backs up one version of a chunked file (its new chunks to a staging blob) and catalogs it.</summary>
    internal static async Task<string> BackupAsync(RetentionHarness sim, DeviceCaller device, byte[] bytes, string? baseHash)
    {
        using var identity = ContentIdentity.For(bytes.Length);
        identity.Append(bytes);
        var (hash, chunks) = identity.Finish();
        var grant = (await sim.Get<UploadGrantService>().GrantAsync(device, new UploadGrantRequest([new GrantFile("mailbox.pst", bytes.Length, hash, chunks, baseHash)]))).Files[0];
        Assert.Equal(GrantOutcomes.Upload, grant.Outcome);
        var held = grant.Held!.ToHashSet();
        using var staging = new MemoryStream();
        var sent = new HashSet<string>();
        long offset = 0;
        foreach (var chunk in chunks!)
        {
            if (!held.Contains(chunk.Hash!) && sent.Add(chunk.Hash!))
            {
                staging.Write(bytes, (int)offset, (int)chunk.Length);
            }

            offset += chunk.Length;
        }

        if (staging.Length > 0)
        {
            await new BlobClient(new Uri(grant.UploadUrl!)).UploadAsync(BinaryData.FromBytes(staging.ToArray()));
        }

        var commit = await sim.Get<CommitService>().CommitAsync(device, new CommitRequest([new FileChange("mailbox.pst", EntryKinds.File, bytes.Length, hash, sim.Clock.GetUtcNow(), null)]));
        await sim.Get<CommitCataloger>().CatalogAsync(new CatalogMessage(device.AccountId, device.DeviceId, commit.CommitId));
        return hash;
    }

    private static async Task<Dictionary<string, long>> BlocksAsync(BlockBlobClient blob) =>
        (await blob.GetBlockListAsync(BlockListTypes.Committed)).Value.CommittedBlocks.ToDictionary(b => b.Name, b => b.SizeLong);
}

using System.Text;
using Azure.Data.Tables;
using Backazon.Backend.Accounts;
using Backazon.Backend.Catalog;
using Backazon.Backend.Storage;
using Backazon.IntegrationTests.Infrastructure;

namespace Backazon.IntegrationTests.Retention;

/// <summary>
/// The reference index against real tables: a reference per version, gone with its version;
/// the release decided by it; an account older than the index checked through its catalog until
/// its first consistency pass fills the index in; a reference left by a crash dropped by that pass.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class ReferenceIndexTests(BackendFixture backend)
{
    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static readonly string X = RetentionHarness.Sha256(Bytes("x")), Y = RetentionHarness.Sha256(Bytes("y"));

    private static RetentionHarness Harness(BackendFixture backend) =>
        RetentionHarness.Create(backend, new() { ["Lifecycle:ContentReleaseDelayHours"] = "1", ["Lifecycle:StorageClockSkewSeconds"] = "0" });

    [Fact]
    public async Task References_FollowTheirVersions_AndContentGoesWithItsLastOne()
    {
        using var sim = Harness(backend);
        var device = await EditedWithACopyAsync(sim);
        Assert.Equal(2, await ReferencesAsync(sim, device.AccountId, X));
        Assert.Equal(1, await ReferencesAsync(sim, device.AccountId, Y));
        await sim.SweepAsync(device.AccountId); // the first sweep is the consistency pass: nothing to drop
        Assert.Equal(2, await ReferencesAsync(sim, device.AccountId, X));

        // The edited file's old version leaves the 30-day history: one reference to x is left.
        sim.Clock.Advance(TimeSpan.FromDays(31));
        await sim.SweepAsync(device.AccountId);
        Assert.Equal(1, await ReferencesAsync(sim, device.AccountId, X));
        sim.Clock.Advance(TimeSpan.FromHours(2));
        await sim.SweepAsync(device.AccountId);
        Assert.Contains(X, (await sim.ContentBlobsAsync(device.AccountId)).Keys);

        // Its copy deleted, and the deletion past the 14 days: no reference, so the content goes.
        await sim.BackupAsync(device, new Dictionary<string, byte[]?> { ["b/copy.txt"] = null });
        await sim.DrainAsync();
        sim.Clock.Advance(TimeSpan.FromDays(15));
        await sim.SweepAsync(device.AccountId);
        Assert.Equal(0, await ReferencesAsync(sim, device.AccountId, X));
        sim.Clock.Advance(TimeSpan.FromHours(2));
        await sim.SweepAsync(device.AccountId);

        Assert.DoesNotContain(X, (await sim.ContentBlobsAsync(device.AccountId)).Keys);
        Assert.DoesNotContain(X, (await sim.ContentRowsAsync(device.AccountId)).Keys);
        Assert.Contains(Y, (await sim.ContentBlobsAsync(device.AccountId)).Keys);
        Assert.True((await sim.Get<Backend.Nightly.UsageRecounter>().RecountAsync(device.AccountId)).Consistent);
    }

    [Fact]
    public async Task AccountOlderThanTheIndex_IsCheckedThroughItsCatalog_UntilItsFirstConsistencyPassFillsTheIndex()
    {
        using var sim = Harness(backend);
        var device = await EditedWithACopyAsync(sim);
        await sim.DrainAsync();

        // As the account was before the index: no references, no marker, a consistency pass done.
        var references = sim.Get<ReferenceIndex>();
        await foreach (var row in references.Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {device.AccountId}"), select: ["RowKey"]))
        {
            await references.Table.DeleteEntityAsync(device.AccountId, row.RowKey);
        }

        await sim.Get<AccountStore>().Table.DeleteEntityAsync(device.AccountId, ReferenceIndex.CompleteRow);
        await MarkFullPassDoneAsync(sim, device.AccountId);
        Assert.False(await sim.Get<ReferenceIndex>().IsCompleteAsync(device.AccountId));

        // x loses a version; the release finds the other one in the catalog.
        sim.Clock.Advance(TimeSpan.FromDays(31));
        await MarkFullPassDoneAsync(sim, device.AccountId);
        await sim.SweepAsync(device.AccountId);
        sim.Clock.Advance(TimeSpan.FromHours(2));
        await sim.SweepAsync(device.AccountId);
        Assert.Contains(X, (await sim.ContentBlobsAsync(device.AccountId)).Keys);
        Assert.Equal(0, await ReferencesAsync(sim, device.AccountId, X));

        // The month's consistency pass writes every version's reference and marks them complete.
        sim.Clock.Advance(Backend.Retention.RetentionService.FullPassEvery);
        await sim.SweepAsync(device.AccountId);
        Assert.True(await sim.Get<ReferenceIndex>().IsCompleteAsync(device.AccountId));
        Assert.Equal(1, await ReferencesAsync(sim, device.AccountId, X));
        Assert.Equal(1, await ReferencesAsync(sim, device.AccountId, Y));
        Assert.Contains(X, (await sim.ContentBlobsAsync(device.AccountId)).Keys);
    }

    [Fact]
    public async Task ReferenceLeftByACrash_IsDroppedByTheConsistencyPass_AndItsContentReleased()
    {
        using var sim = Harness(backend);
        var device = await sim.NewDeviceAsync();
        await sim.BackupAsync(device, new Dictionary<string, byte[]?> { ["kept.txt"] = Bytes("y"), ["lost.txt"] = Bytes("x") });

        // A crash between deleting a version and deleting its reference: the reference stays.
        var catalog = sim.Get<CatalogWriter>().Table;
        var version = catalog.Query<CatalogEntity>(ContentReleaseFilter(device.AccountId)).Single(v => v.Path == "lost.txt");
        await catalog.DeleteEntityAsync(version.PartitionKey, version.RowKey);
        var reference = await sim.Get<ReferenceIndex>().Table.GetEntityAsync<TableEntity>(device.AccountId, ReferenceIndex.Row(X, version.PartitionKey, version.RowKey));
        var writtenAt = reference.Value.Timestamp!.Value;
        SpinWait.SpinUntil(() => DateTimeOffset.UtcNow > writtenAt); // the pass begins after the write, by storage's clock too

        await sim.SweepAsync(device.AccountId); // the first sweep: the consistency pass
        Assert.Equal(0, await ReferencesAsync(sim, device.AccountId, X));
        Assert.Equal(1, await ReferencesAsync(sim, device.AccountId, Y));
        sim.Clock.Advance(TimeSpan.FromHours(2));
        await sim.SweepAsync(device.AccountId);

        Assert.DoesNotContain(X, (await sim.ContentBlobsAsync(device.AccountId)).Keys);
        Assert.Contains(Y, (await sim.ContentBlobsAsync(device.AccountId)).Keys);
        Assert.True((await sim.Get<Backend.Nightly.UsageRecounter>().RecountAsync(device.AccountId)).Consistent);
    }

    /// <summary>x in two files, then one of them edited to y a day later.</summary>
    private static async Task<Backend.Security.DeviceCaller> EditedWithACopyAsync(RetentionHarness sim)
    {
        var device = await sim.NewDeviceAsync();
        await sim.BackupAsync(device, new Dictionary<string, byte[]?> { ["a/file.txt"] = Bytes("x") });
        await sim.BackupAsync(device, new Dictionary<string, byte[]?> { ["b/copy.txt"] = Bytes("x") });
        sim.Clock.Advance(TimeSpan.FromDays(1));
        await sim.BackupAsync(device, new Dictionary<string, byte[]?> { ["a/file.txt"] = Bytes("y") });
        return device;
    }

    private static string ContentReleaseFilter(string accountId) => Backend.Content.ContentReleaser.AccountCatalogFilter(accountId);

    private static Task MarkFullPassDoneAsync(RetentionHarness sim, string accountId) =>
        sim.Get<DueIndex>().Table.UpsertEntityAsync(new TableEntity("retain|full", accountId) { ["At"] = sim.Clock.GetUtcNow() });

    private static async Task<int> ReferencesAsync(RetentionHarness sim, string accountId, string hash)
    {
        var count = 0;
        await foreach (var _ in sim.Get<ReferenceIndex>().Table.QueryAsync<TableEntity>(ReferenceIndex.RowsOf(accountId, hash), select: ["RowKey"]))
        {
            count++;
        }

        return count;
    }
}

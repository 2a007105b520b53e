using System.Net;
using System.Net.Http.Json;
using System.Text;
using Azure.Storage.Blobs;
using Backazon.Backend.Accounts;
using Backazon.Backend.Catalog;
using Backazon.Backend.Configuration;
using Backazon.Backend.Content;
using Backazon.Backend.Messages;
using Backazon.Backend.Nightly;
using Backazon.Backend.Operators;
using Backazon.Backend.Retention;
using Backazon.Backend.Uploads;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;

namespace Backazon.IntegrationTests.Retention;

[Collection(BackendCollection.Name)]
public sealed class LifecycleTests(BackendFixture backend)
{
    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>An account with a file edited three times, the oldest version 40 days behind.</summary>
    private static async Task<Backend.Security.DeviceCaller> HistoryAsync(RetentionHarness sim)
    {
        var device = await sim.NewDeviceAsync();
        foreach (var (day, text) in new[] { (0, "v1"), (5, "v2"), (6, "v3") })
        {
            await sim.BackupAsync(device, new Dictionary<string, byte[]?> { ["a/file.txt"] = Bytes(text), [$"a/day{day}.txt"] = Bytes("d" + day) });
            sim.Clock.Advance(TimeSpan.FromDays(day == 0 ? 5 : 1));
        }

        sim.Queue.Messages.Clear();
        sim.Clock.Advance(TimeSpan.FromDays(40));
        return device;
    }

    private static async Task<object> StateAsync(RetentionHarness sim, string accountId)
    {
        var account = await sim.Get<AccountStore>().GetAccountAsync(accountId);
        var versions = (await sim.VersionsAsync(accountId)).OrderBy(v => v.Path).ThenBy(v => v.CommittedAt).ToList();
        var rows = (await sim.ContentRowsAsync(accountId)).OrderBy(r => r.Key).ToList();
        var blobs = (await sim.ContentBlobsAsync(accountId)).OrderBy(r => r.Key).ToList();
        return (account.UsedBytes, string.Join(",", versions), string.Join(",", rows), string.Join(",", blobs));
    }

    [Fact]
    public async Task Retention_FilesMessageProcessedTwice_SameEndState()
    {
        using var sim = RetentionHarness.Create(backend);
        var device = await HistoryAsync(sim);
        var message = new RetentionMessage(device.AccountId, device.DeviceId, ["a/file.txt"]);

        await sim.Get<RetentionService>().ProcessAsync(message);
        var once = await StateAsync(sim, device.AccountId);
        await sim.Get<RetentionService>().ProcessAsync(message);

        Assert.Equal(once, await StateAsync(sim, device.AccountId));
        var versions = await sim.VersionsAsync(device.AccountId);
        Assert.Single(versions, v => v.Path == "a/file.txt"); // v1 and v2 were superseded more than 30 days ago
    }

    [Fact]
    public async Task Retention_SweepStoppedMidwayAndRunAgain_SameEndStateAsOneFullSweep()
    {
        // Two identical accounts: one swept in one go, the other interrupted after every
        // partition (budget 0), its continuation dropped once and the sweep started over.
        using var sim = RetentionHarness.Create(backend, new() { ["Lifecycle:SweepBudgetSeconds"] = "0", ["Lifecycle:ContentReleaseDelayHours"] = "1" });
        var whole = await HistoryAsync(sim);
        var interrupted = await HistoryAsync(sim);
        // Both reach the same clock; their commit times differ, so compare shapes.

        await sim.Queue.SendAsync(new RetentionMessage(interrupted.AccountId));
        Assert.Equal(1, await sim.DrainAsync(stopAfter: 1));
        Assert.Contains(sim.Queue.Messages, m => m.After is not null); // it re-queued itself with a position
        sim.Queue.Messages.Clear(); // ... and that message was lost: the next daily sweep starts over
        await sim.SweepAsync(interrupted.AccountId);
        await sim.SweepAsync(whole.AccountId);
        sim.Clock.Advance(TimeSpan.FromHours(2));
        await sim.SweepAsync(interrupted.AccountId);
        await sim.SweepAsync(whole.AccountId);

        foreach (var accountId in new[] { whole.AccountId, interrupted.AccountId })
        {
            var versions = await sim.VersionsAsync(accountId);
            Assert.Equal(["a/day0.txt", "a/day5.txt", "a/day6.txt", "a/file.txt"], versions.Select(v => v.Path).Order());
            Assert.Equal((long)"v3d0d5d6".Length, (await sim.Get<AccountStore>().GetAccountAsync(accountId)).UsedBytes);
            Assert.Equal(4, (await sim.ContentBlobsAsync(accountId)).Count);
            Assert.True((await sim.Get<UsageRecounter>().RecountAsync(accountId)).Consistent);
        }
    }

    [Fact]
    public async Task Release_ContentCommittedAgainBeforeItsRelease_IsKept()
    {
        using var sim = RetentionHarness.Create(backend, new() { ["Lifecycle:ContentReleaseDelayHours"] = "1" });
        var device = await HistoryAsync(sim);
        await sim.SweepAsync(device.AccountId); // v1 removed, its content flagged
        sim.Clock.Advance(TimeSpan.FromHours(2));
        await sim.SweepAsync(device.AccountId);
        Assert.DoesNotContain(RetentionHarness.Sha256(Bytes("v1")), (await sim.ContentBlobsAsync(device.AccountId)).Keys);

        await sim.BackupAsync(device, new Dictionary<string, byte[]?> { ["a/file.txt"] = Bytes("v4") });
        sim.Clock.Advance(TimeSpan.FromDays(31));
        await sim.SweepAsync(device.AccountId); // v3 removed, its content flagged but not yet due
        var v3 = RetentionHarness.Sha256(Bytes("v3"));
        Assert.Contains(v3, (await sim.ContentRowsAsync(device.AccountId)).Keys);

        // A device told "already stored" commits v3 again before the release.
        await sim.BackupAsync(device, new Dictionary<string, byte[]?> { ["b/copy.txt"] = Bytes("v3") });
        sim.Clock.Advance(TimeSpan.FromHours(2));
        await sim.SweepAsync(device.AccountId);

        Assert.Contains(v3, (await sim.ContentBlobsAsync(device.AccountId)).Keys);
        Assert.True((await sim.Get<UsageRecounter>().RecountAsync(device.AccountId)).Consistent);
    }

    [Fact]
    public async Task Release_OrphanBlobLeftByACrash_IsRemovedAndRecountReportsIt()
    {
        using var sim = RetentionHarness.Create(backend, new() { ["Lifecycle:ContentReleaseDelayHours"] = "1" });
        var device = await sim.NewDeviceAsync();
        await sim.BackupAsync(device, new Dictionary<string, byte[]?> { ["x.txt"] = Bytes("kept") });
        var orphan = sim.Storage.Blobs.GetBlobContainerClient(StorageNames.ContentContainer)
            .GetBlobClient(ContentBlobs.Name(device.AccountId, new string('0', 64)));
        await orphan.UploadAsync(BinaryData.FromString("left behind"));

        var report = await sim.Get<UsageRecounter>().RecountAsync(device.AccountId);
        Assert.False(report.Consistent);
        Assert.Equal([new string('0', 64)], report.OrphanBlobs);

        await sim.SweepAsync(device.AccountId);
        Assert.True(await orphan.ExistsAsync(), "not removed while younger than the release delay");
        sim.Clock.Advance(TimeSpan.FromHours(2));
        await sim.SweepAsync(device.AccountId);
        Assert.True(await orphan.ExistsAsync(), "looked for by the monthly consistency pass only");
        sim.Clock.Advance(RetentionService.FullPassEvery);
        await sim.SweepAsync(device.AccountId);
        Assert.False(await orphan.ExistsAsync());
        Assert.True((await sim.Get<UsageRecounter>().RecountAsync(device.AccountId)).Consistent);
    }

    [Fact]
    public async Task Lifecycle_EachTransition_BackupsAndRestoresAsPromised()
    {
        using var sim = RetentionHarness.Create(backend);
        var started = sim.Clock.GetUtcNow();
        var device = await sim.NewDeviceAsync();
        var commit = await sim.BackupAsync(device, new Dictionary<string, byte[]?> { ["f.txt"] = Bytes("one") });
        var accounts = sim.Get<AccountService>();
        var walk = sim.Get<CatalogWalk>();

        async Task<bool> CanBackUpAsync(string text)
        {
            var grants = await sim.Get<UploadGrantService>().GrantAsync(device, new UploadGrantRequest([new GrantFile("g.txt", 3, RetentionHarness.Sha256(Bytes(text)))]));
            return grants.Files[0].Outcome != GrantOutcomes.Refused;
        }

        async Task CanRestoreAsync()
        {
            Assert.Single(await walk.AllAsync(new CatalogWalkScope(device.AccountId, device.DeviceId, "", sim.Clock.GetUtcNow(), Recursive: false, IncludeFolders: true, IncludeDeleted: false)));
            if (sim.Clock.GetUtcNow() - started < TimeSpan.FromDays(30))
            {
                // The commit itself is forgotten once the plan's history (30 days) has passed it.
                Assert.Equal(CommitStates.Cataloged, (await sim.Get<CommitService>().StatusAsync(device, commit)).State);
            }
        }

        await accounts.UpdateAsync(device.AccountId, new UpdateAccountRequest(null, AccountStatuses.PastDue));
        Assert.True(await CanBackUpAsync("two"));
        await CanRestoreAsync();

        await accounts.UpdateAsync(device.AccountId, new UpdateAccountRequest(null, AccountStatuses.Suspended));
        Assert.False(await CanBackUpAsync("333"));
        await CanRestoreAsync();

        await accounts.UpdateAsync(device.AccountId, new UpdateAccountRequest(null, AccountStatuses.Canceled));
        Assert.False(await CanBackUpAsync("444"));
        await CanRestoreAsync();
        var purge = Assert.Single(await sim.Get<AccountLifecycleService>().ListPurgesAsync(), p => p.AccountId == device.AccountId);
        Assert.Equal(sim.Clock.GetUtcNow().AddDays(30), purge.PurgeAt);

        // A day before the date, the daily sweep purges nothing.
        sim.Clock.Advance(TimeSpan.FromDays(29));
        await sim.SweepAsync(device.AccountId);
        await CanRestoreAsync();
        Assert.Equal(AccountStatuses.Canceled, (await sim.Get<AccountStore>().GetAccountAsync(device.AccountId)).Status);

        // Held: the date passes and still nothing is purged; released: the next sweep purges.
        await sim.Get<AccountLifecycleService>().HoldAsync(device.AccountId, held: true);
        sim.Clock.Advance(TimeSpan.FromDays(2));
        await sim.SweepAsync(device.AccountId);
        await CanRestoreAsync();
        await sim.Get<AccountLifecycleService>().HoldAsync(device.AccountId, held: false);
        await sim.SweepAsync(device.AccountId);

        var account = await sim.Get<AccountStore>().GetAccountAsync(device.AccountId);
        Assert.Equal((AccountStatuses.Purged, 0L, 0L), (account.Status, account.UsedBytes, account.ReservedBytes));
        Assert.Empty(await sim.VersionsAsync(device.AccountId));
        Assert.Empty(await sim.ContentRowsAsync(device.AccountId));
        Assert.Empty(await sim.ContentBlobsAsync(device.AccountId));
        Assert.Empty(await sim.Get<AccountStore>().ListDevicesAsync(device.AccountId));
        Assert.DoesNotContain(await sim.Get<AccountLifecycleService>().ListPurgesAsync(), p => p.AccountId == device.AccountId);
        var refused = await Assert.ThrowsAsync<Backend.Errors.BackazonException>(() =>
            accounts.UpdateAsync(device.AccountId, new UpdateAccountRequest(null, AccountStatuses.Active)));
        Assert.Contains("purged", refused.Detail);
    }

    [Fact]
    public async Task Lifecycle_ReactivatedBeforeTheDate_IsNeverPurged()
    {
        using var sim = RetentionHarness.Create(backend);
        var device = await sim.NewDeviceAsync();
        await sim.BackupAsync(device, new Dictionary<string, byte[]?> { ["f.txt"] = Bytes("one") });
        await sim.Get<AccountService>().UpdateAsync(device.AccountId, new UpdateAccountRequest(null, AccountStatuses.Canceled));
        sim.Clock.Advance(TimeSpan.FromDays(10));
        await sim.Get<AccountService>().UpdateAsync(device.AccountId, new UpdateAccountRequest(null, AccountStatuses.Active));
        sim.Clock.Advance(TimeSpan.FromDays(60));
        await sim.SweepAsync(device.AccountId);

        Assert.Equal(AccountStatuses.Active, (await sim.Get<AccountStore>().GetAccountAsync(device.AccountId)).Status);
        Assert.Single(await sim.VersionsAsync(device.AccountId));
    }

    [Fact]
    public async Task Operator_PurgesStaleDevicesRecount_OverHttp()
    {
        using var device = await TestDevice.CreateAsync(backend);
        await device.BackupAsync(("r.txt", Bytes("recount me")));
        using var client = backend.OperatorClient();

        var recount = await client.PostAsync($"admin/accounts/{device.AccountId}/recount", null);
        Assert.Equal(HttpStatusCode.OK, recount.StatusCode);
        var view = (await recount.Content.ReadFromJsonAsync<UsageRecountView>())!;
        Assert.Equal((10L, 10L, 10L, true), (view.RecordedBytes, view.ContentRowBytes, view.BlobBytes, view.Consistent));

        Assert.Equal(HttpStatusCode.Conflict, (await client.PutAsync($"admin/purges/{device.AccountId}/hold", null)).StatusCode);
        await client.PatchAsJsonAsync($"admin/accounts/{device.AccountId}", new UpdateAccountRequest(null, AccountStatuses.Canceled));
        var held = await client.PutAsync($"admin/purges/{device.AccountId}/hold", null);
        Assert.True((await held.Content.ReadFromJsonAsync<ScheduledPurgeView>())!.Held);
        var purges = await client.GetFromJsonAsync<List<ScheduledPurgeView>>("admin/purges");
        Assert.Contains(purges!, p => p.AccountId == device.AccountId && p.Held);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("admin/stale-devices")).StatusCode);
        using var deviceClient = backend.Client(device.Token);
        Assert.Equal(HttpStatusCode.Forbidden, (await deviceClient.GetAsync("admin/purges")).StatusCode);
    }
}

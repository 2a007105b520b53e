using Azure.Data.Tables;
using Backazon.Backend.Accounts;
using Backazon.Backend.Nightly;
using Backazon.Backend.Operators;
using Backazon.Backend.Retention;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.IntegrationTests.Retention;

namespace Backazon.IntegrationTests.Accounts;

/// <summary>
/// The jobs that visit every account read the account index, never the whole Accounts table
/// (which in Azure means every content and reference row of every account): the daily fan-out
/// queues each live account, passes the purged by, and a deployment from before the index
/// builds it once.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class AccountIndexTests(BackendFixture backend)
{
    [Fact]
    public async Task DailyFanOut_QueuesEveryLiveAccount_FromTheIndex_WithoutScanningTheTable()
    {
        var requests = StorageRequestCounter.For(backend.ConnectionString);
        using var sim = RetentionHarness.Create(backend, requests: requests);
        var live = await sim.NewDeviceAsync();
        var purged = await sim.NewDeviceAsync();
        await sim.Get<AccountService>().UpdateAsync(purged.AccountId, new UpdateAccountRequest(null, AccountStatuses.Canceled));
        await sim.Get<AccountLifecycleService>().PurgeAsync(purged.AccountId, null, DateTimeOffset.UtcNow.AddMinutes(5));
        await sim.Get<AccountIndex>().LiveAsync().ToListAsync(); // built, if this storage had no index yet

        requests.Reset();
        await sim.Get<RetentionService>().FanOutAsync();

        var queued = sim.Queue.Messages.Select(m => m.AccountId).ToHashSet();
        Assert.Contains(live.AccountId, queued);
        Assert.DoesNotContain(purged.AccountId, queued);
        Assert.Empty(requests.Scans);
    }

    [Fact]
    public async Task DeploymentFromBeforeTheIndex_BuildsItOnce_AndListsEveryAccount()
    {
        using var sim = RetentionHarness.Create(backend);
        var older = await sim.NewDeviceAsync();
        var table = sim.Get<AccountStore>().Table;
        await table.DeleteEntityAsync(AccountIndex.Partition, older.AccountId);
        await table.DeleteEntityAsync(AccountIndex.Partition, "~built");

        var listed = await sim.Get<AccountIndex>().LiveAsync().ToListAsync();

        Assert.Contains(older.AccountId, listed);
        Assert.True((await table.GetEntityIfExistsAsync<TableEntity>(AccountIndex.Partition, older.AccountId)).HasValue);
        var page = await sim.Get<AccountService>().ListAsync(null);
        Assert.NotEmpty(page.Items);
    }
}

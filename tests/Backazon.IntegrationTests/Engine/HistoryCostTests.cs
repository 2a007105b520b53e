using System.Text;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;

namespace Backazon.IntegrationTests.Engine;

/// <summary>History costs a bounded number of storage requests, whatever the account holds:
/// a run report, a page of runs, and one file of a full folder.</summary>
[Collection(CountedBackendCollection.Name)]
public sealed class HistoryCostTests(CountedBackendFixture backend)
{
    [Fact]
    public async Task ReportRunsPageAndLsFile_CostAFewRequests_NotAScan()
    {
        using var device = await TestDevice.CreateAsync(backend);
        await device.BackupAsync(Enumerable.Range(0, 200).Select(i => ($"docs/a/file-{i}.txt", Encoding.UTF8.GetBytes($"file {i} {Guid.NewGuid()}"))).ToArray());
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < 30; i++)
        {
            await device.Api.ReportRunAsync(new RunReport(now.AddHours(-i), now.AddHours(-i).AddMinutes(1), 0, 0, 200, 0, 0, 0, true));
        }

        // The device has been seen just now, so authentication is one point read.
        var report = 0;
        var (reportCost, reportSeen) = await backend.Requests.FewestAsync(() => device.Api.ReportRunAsync(new RunReport(now.AddMinutes(++report), now.AddMinutes(report).AddSeconds(30), 0, 0, 200, 0, 0, 0, true)));
        Assert.True(reportCost <= 2, $"a run report: {reportSeen}"); // auth + one transaction

        RunPage page = null!;
        var (pageCost, pageSeen) = await backend.Requests.FewestAsync(async () => page = await device.Api.RunsAsync(null, null, 10));
        Assert.Equal(10, page.Items.Count);
        Assert.NotNull(page.Continuation);
        Assert.True(pageCost <= 2, $"a page of runs: {pageSeen}"); // auth + one query

        CatalogPage file = null!;
        var (fileCost, fileSeen) = await backend.Requests.FewestAsync(async () => file = await device.Api.ListCatalogAsync(null, "docs/a/file-7.txt", null, false, false, null));
        Assert.Equal("docs/a/file-7.txt", Assert.Single(file.Items).Path);
        // auth, the account, the folder marker by that name (none), the file's own versions.
        Assert.True(fileCost <= 4, $"ls FILE: {fileSeen}");
    }
}

using Backazon.Backend.Storage;
using Backazon.IntegrationTests.Infrastructure;

namespace Backazon.IntegrationTests.Engine;

/// <summary>The due-work index keeps a quarter-hour of shared work off any single table
/// partition, and still finds all of it, and only it, when it comes due.</summary>
[Collection(BackendCollection.Name)]
public sealed class DueIndexTests(BackendFixture backend)
{
    [Fact]
    public async Task SharedWork_OfOneQuarterHour_SpreadsOverSixteenPartitions_AndIsFoundOnlyOnceDue()
    {
        var due = new DueIndex(backend.Storage);
        var kind = "spread" + Guid.NewGuid().ToString("N")[..8]; // this test's own rows only
        var now = DateTimeOffset.UtcNow;
        foreach (var request in Enumerable.Range(0, 40))
        {
            // Forty grant requests of ten contents each, in one quarter-hour.
            await due.AddAsync(kind, now.AddMinutes(-1), Enumerable.Range(request * 10, 10).Select(i => ($"account{i % 7}", $"content{i}")));
        }

        await due.AddAsync(kind, now.AddHours(1), [("account0", "later")]);

        var found = new List<DueEntity>();
        await foreach (var row in due.DueAsync(kind, now))
        {
            found.Add(row);
        }

        Assert.Equal(400, found.Count);
        Assert.DoesNotContain(found, row => row.Id == "later");
        Assert.Equal(DueIndex.Spread, found.Select(row => row.PartitionKey).Distinct().Count());
        await due.DoneAsync(found);
        await foreach (var left in due.DueAsync(kind, now.AddHours(2)))
        {
            Assert.Equal("later", left.Id);
        }
    }
}

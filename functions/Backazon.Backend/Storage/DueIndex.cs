using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Backazon.Backend.Configuration;

namespace Backazon.Backend.Storage;

/// <summary>What kind of work a due row stands for.</summary>
public static class DueKinds
{
    /// <summary>A granted content whose last upload SAS (plus the commit window) runs out then.</summary>
    public const string Grant = "grant";

    /// <summary>A commit that should be cataloged by then, or be queued again.</summary>
    public const string Commit = "commit";
}

/// <summary>One piece of work that comes due: which account, and the content hash or commit id.</summary>
public sealed class DueEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string AccountId { get; set; } = "";
    public string Id { get; set; } = "";
}

/// <summary>
/// Work written where a job finds it by time, when it happens, so the job reads only what is due
/// rather than scanning everything stored (the Due table). A row's partition is its kind and a
/// quarter-hour, rounded up from the moment it comes due: every partition up to now holds only
/// rows that are due, and one range query over partition keys finds them, whatever the table
/// holds for later. Rows are written before the state they stand for, so nothing can come due
/// unseen; a row that finds its work already done (or moved later) is simply deleted.
/// </summary>
public sealed class DueIndex(StorageClients storage)
{
    private const int RowsPerTransaction = 100;
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(15);

    public TableClient Table { get; } = storage.Tables.GetTableClient(StorageNames.DueTable);

    /// <summary>Records that each (account, id) comes due at <paramref name="dueAt"/>; harmless to repeat.</summary>
    public async Task AddAsync(string kind, DateTimeOffset dueAt, IEnumerable<(string AccountId, string Id)> items, CancellationToken cancellationToken = default)
    {
        var partition = Partition(kind, dueAt);
        foreach (var chunk in items.Distinct().Chunk(RowsPerTransaction))
        {
            await Table.SubmitTransactionAsync(chunk.Select(item => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new DueEntity
            {
                PartitionKey = partition,
                RowKey = $"{item.AccountId}|{item.Id}",
                AccountId = item.AccountId,
                Id = item.Id,
            })), cancellationToken);
        }
    }

    /// <summary>The rows of <paramref name="kind"/> due by <paramref name="now"/> (to within a
    /// quarter-hour: a row later in its quarter waits for the next run).</summary>
    public IAsyncEnumerable<DueEntity> DueAsync(string kind, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Table.QueryAsync<DueEntity>(
            TableClient.CreateQueryFilter($"PartitionKey ge {kind + "|"} and PartitionKey le {kind + "|" + Quarter(FloorToStep(now))}"),
            cancellationToken: cancellationToken);

    /// <summary>The work is done or stands elsewhere: the rows go, a transaction per partition
    /// and hundred (already gone is fine).</summary>
    public async Task DoneAsync(IEnumerable<DueEntity> rows, CancellationToken cancellationToken = default)
    {
        foreach (var chunk in rows.GroupBy(r => r.PartitionKey).SelectMany(p => p.Chunk(RowsPerTransaction)))
        {
            try
            {
                await Table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)), cancellationToken);
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                // One was removed already (a sweep that ran twice): the rest one by one.
                foreach (var row in chunk)
                {
                    await DoneAsync(row, cancellationToken);
                }
            }
        }
    }

    public async Task DoneAsync(DueEntity row, CancellationToken cancellationToken = default)
    {
        try
        {
            await Table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
        }
    }

    /// <summary>The work comes due again later: recorded there first, then removed here.</summary>
    public async Task PostponeAsync(string kind, DueEntity row, DateTimeOffset dueAt, CancellationToken cancellationToken = default)
    {
        await AddAsync(kind, dueAt, [(row.AccountId, row.Id)], cancellationToken);
        await DoneAsync(row, cancellationToken);
    }

    public static string Partition(string kind, DateTimeOffset dueAt)
    {
        var floor = FloorToStep(dueAt);
        return $"{kind}|{Quarter(floor == dueAt ? floor : floor + Step)}";
    }

    private static DateTimeOffset FloorToStep(DateTimeOffset at) =>
        new(at.UtcTicks - at.UtcTicks % Step.Ticks, TimeSpan.Zero);

    private static string Quarter(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);
}

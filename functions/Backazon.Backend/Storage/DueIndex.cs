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

    /// <summary>A granted content whose upload SAS runs out then: what arrived can no longer
    /// change, so an upload that is all there (or larger than declared) is settled at once
    /// rather than a commit window later, and bytes over the declared size are not kept uncounted.</summary>
    public const string Landed = "landed";

    /// <summary>A commit that should be cataloged by then, or be queued again.</summary>
    public const string Commit = "commit";

    /// <summary>A grant request's record of its rows (<see cref="Content.GrantLedger"/>), deleted
    /// then if no commit used it.</summary>
    public const string Ledger = "ledger";

    /// <summary>A file of one device whose oldest kept version leaves the plan's history then
    /// (kept per account: the daily sweep of an account reads its own).</summary>
    public const string Retention = "retain";

    /// <summary>A content whose references are to be checked then, and released if none is left
    /// (per account).</summary>
    public const string Release = "release";

    /// <summary>A commit made then, whose row and result are removed once the plan's history
    /// has passed it (per account; the daily sweep asks for those due by now less the history).</summary>
    public const string ForgetCommit = "forget";

    /// <summary>A computer's link request (its device code's and its user code's rows in the
    /// EnrollmentCodes table, each a due row by its hash), deleted a while after it expired.</summary>
    public const string LinkCode = "link";

    /// <summary>An invitation's row (by its token's hash), deleted a while after it expired.</summary>
    public const string Invitation = "invite";
}

/// <summary>One piece of work that comes due: which account, and the content hash or commit id.</summary>
public sealed class DueEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string AccountId { get; set; } = "";

    /// <summary>The content hash, the commit id, or (retention) the device id.</summary>
    public string Id { get; set; } = "";

    /// <summary>Retention: the file's path.</summary>
    public string? Path { get; set; }

    /// <summary>The moment it comes due (its partition is the quarter-hour after).</summary>
    public DateTimeOffset DueAt { get; set; }
}

/// <summary>
/// Work written where a job finds it by time, when it happens, so the job reads only what is due
/// rather than scanning everything stored (the Due table). A row's partition is its kind, its
/// account for the kinds a per-account job reads, and a quarter-hour, rounded up from the moment
/// it comes due: one range query over partition keys up to the quarter of now (filtered to what is
/// due by now) finds them, whatever the table holds for later. The kinds every account shares
/// (grants, commits, ledgers) spread each quarter over <see cref="Spread"/> partitions, each call
/// taking the next: a table partition serves about 2,000 entities a second, and one partition per
/// quarter-hour would cap the grants of the whole service there. A call's rows stay together (a
/// grant request's rows cost one transaction per hundred, as before); the same work written again
/// may land in another partition, which the readers already allow for: a row whose work is done
/// or stands elsewhere is simply deleted. Rows are written before the
/// state they stand for, so nothing can come due unseen; a row that finds its work already done
/// (or moved later) is simply deleted.
/// </summary>
public sealed class DueIndex(StorageClients storage)
{
    private const int RowsPerTransaction = 100;
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(15);

    /// <summary>How many partitions a quarter-hour of shared work spreads over.</summary>
    public const int Spread = 16;

    private int _nextBucket = Random.Shared.Next(Spread);

    public TableClient Table { get; } = storage.Tables.GetTableClient(StorageNames.DueTable);

    /// <summary>Records that each (account, id) comes due at <paramref name="dueAt"/>, in the
    /// partitions every account shares; harmless to repeat.</summary>
    public async Task AddAsync(string kind, DateTimeOffset dueAt, IEnumerable<(string AccountId, string Id)> items, CancellationToken cancellationToken = default)
    {
        var rows = items.Distinct().Select(item => new DueEntity
        {
            RowKey = $"{item.AccountId}|{item.Id}",
            AccountId = item.AccountId,
            Id = item.Id,
        });
        var bucket = (uint)Interlocked.Increment(ref _nextBucket) % Spread;
        await AddRowsAsync(Partition(kind, null, dueAt) + "|" + bucket.ToString("x", CultureInfo.InvariantCulture), dueAt, rows, cancellationToken);
    }

    /// <summary>Records rows of one account that come due at <paramref name="dueAt"/>, in that
    /// account's own partitions; harmless to repeat (rows of one key replace each other).</summary>
    public Task AddForAccountAsync(string kind, string accountId, DateTimeOffset dueAt, IEnumerable<DueEntity> rows, CancellationToken cancellationToken = default) =>
        AddRowsAsync(Partition(kind, accountId, dueAt), dueAt, rows.Select(row =>
        {
            row.AccountId = accountId;
            return row;
        }).DistinctBy(row => row.RowKey), cancellationToken);

    /// <summary>Reference checks of contents, for the account's daily sweep (written before the
    /// contents are flagged: a flag is never set that nothing comes back for).</summary>
    public Task AddReferenceChecksAsync(string accountId, IEnumerable<string> hashes, DateTimeOffset checkAt, CancellationToken cancellationToken = default) =>
        AddForAccountAsync(DueKinds.Release, accountId, checkAt, hashes.Select(hash => new DueEntity { RowKey = hash, Id = hash }), cancellationToken);

    /// <summary>The rows of <paramref name="kind"/> due by <paramref name="now"/>, of one account
    /// when <paramref name="accountId"/> is given.</summary>
    public IAsyncEnumerable<DueEntity> DueAsync(string kind, DateTimeOffset now, string? accountId = null, CancellationToken cancellationToken = default)
    {
        // "~" sorts after every bucket, so the range holds each spread partition of now's quarter.
        var prefix = Prefix(kind, accountId);
        return Table.QueryAsync<DueEntity>(
            TableClient.CreateQueryFilter($"PartitionKey ge {prefix} and PartitionKey le {Partition(kind, accountId, now) + "|~"} and DueAt le {now}"),
            cancellationToken: cancellationToken);
    }

    /// <summary>When the rows of <paramref name="kind"/> due after <paramref name="after"/> come
    /// due, at most <paramref name="limit"/> of them (in the partitions every account shares): what
    /// is still to come, read at a cost bounded by the limit, not by the table.</summary>
    public async Task<IReadOnlyList<DateTimeOffset>> LaterAsync(string kind, DateTimeOffset after, int limit, CancellationToken cancellationToken = default)
    {
        var found = new List<DateTimeOffset>();
        var query = Table.QueryAsync<DueEntity>(
            TableClient.CreateQueryFilter($"PartitionKey ge {Partition(kind, null, after)} and PartitionKey le {Prefix(kind, null) + "~"} and DueAt gt {after}"),
            maxPerPage: Math.Min(limit, 1000), select: [nameof(DueEntity.DueAt)], cancellationToken: cancellationToken);
        await foreach (var page in query.AsPages())
        {
            found.AddRange(page.Values.Select(row => row.DueAt));
            if (found.Count >= limit)
            {
                break;
            }
        }

        return found.Count > limit ? found[..limit] : found;
    }

    private async Task AddRowsAsync(string partition, DateTimeOffset dueAt, IEnumerable<DueEntity> rows, CancellationToken cancellationToken)
    {
        foreach (var chunk in rows.Chunk(RowsPerTransaction))
        {
            await Table.SubmitTransactionAsync(chunk.Select(row =>
            {
                row.PartitionKey = partition;
                row.DueAt = dueAt;
                return new TableTransactionAction(TableTransactionActionType.UpsertReplace, row);
            }), cancellationToken);
        }
    }

    /// <summary>The work is done or stands elsewhere: the rows go, a transaction per partition
    /// and hundred. Each only as it was read (its ETag): a row rewritten meanwhile (the same work
    /// due again, in the same quarter) stays; one already gone is fine.</summary>
    public async Task DoneAsync(IEnumerable<DueEntity> rows, CancellationToken cancellationToken = default)
    {
        foreach (var chunk in rows.GroupBy(r => r.PartitionKey).SelectMany(p => p.Chunk(RowsPerTransaction)))
        {
            try
            {
                await Table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, r.ETag)), cancellationToken);
            }
            catch (TableTransactionFailedException e) when (e.Status is 404 or 412)
            {
                // One was removed or rewritten meanwhile: the rest one by one.
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
            await Table.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
        }
    }

    /// <summary>The work comes due again later: recorded there first, then removed here.</summary>
    public async Task PostponeAsync(string kind, DueEntity row, DateTimeOffset dueAt, CancellationToken cancellationToken = default)
    {
        await AddAsync(kind, dueAt, [(row.AccountId, row.Id)], cancellationToken);
        await DoneAsync(row, cancellationToken);
    }

    public static string Partition(string kind, string? accountId, DateTimeOffset dueAt)
    {
        var floor = FloorToStep(dueAt);
        return Prefix(kind, accountId) + Quarter(floor == dueAt ? floor : floor + Step);
    }

    private static string Prefix(string kind, string? accountId) => accountId is null ? $"{kind}|" : $"{kind}|{accountId}|";

    private static DateTimeOffset FloorToStep(DateTimeOffset at) =>
        new(at.UtcTicks - at.UtcTicks % Step.Ticks, TimeSpan.Zero);

    private static string Quarter(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);
}

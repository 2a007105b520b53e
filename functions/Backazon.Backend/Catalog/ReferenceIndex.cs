using Azure;
using Azure.Data.Tables;
using Backazon.Backend.Accounts;

namespace Backazon.Backend.Catalog;

/// <summary>
/// Which catalog versions point at each content: one row per (content, version) in the account's
/// partition of the Accounts table, next to the content rows, keyed by hash first. "Does any
/// version still point at this content?" is then a read of one row, whatever the catalog holds.
/// <para>
/// A reference is written before its version's catalog row and deleted after it, so a version
/// never exists without its reference. At worst a reference outlives its version (a crash
/// between the two deletes): that keeps content longer, never frees it early, and the monthly
/// consistency pass rewrites every reference it finds and drops the ones it did not.
/// </para>
/// <para>
/// Accounts older than the index have versions without references until that pass has run once;
/// the marker row says when an account's references are complete, and until then the reference
/// check asks the catalog itself (<see cref="Retention.ContentReleaser.IsReferencedAsync"/>).
/// </para>
/// </summary>
public sealed class ReferenceIndex(AccountStore accounts)
{
    /// <summary>Reference rows sort between these ("ref;" follows every "ref:..." key).</summary>
    public const string RowPrefix = "ref:";
    public const string RowsEnd = "ref;";

    /// <summary>Outside the reference range ('s' follows ';').</summary>
    public const string CompleteRow = "refs:complete";

    private const int RowsPerTransaction = 100;

    public TableClient Table => accounts.Table;

    public static string Row(string hash, string catalogPartition, string catalogRow) => $"{RowPrefix}{hash}:{catalogPartition}:{catalogRow}";

    /// <summary>The marker of an account whose every version has its reference (new accounts
    /// start with it).</summary>
    public static TableEntity CompleteMarker(string accountId) => new(accountId, CompleteRow);

    public async Task<bool> IsCompleteAsync(string accountId, CancellationToken cancellationToken = default) =>
        (await Table.GetEntityIfExistsAsync<TableEntity>(accountId, CompleteRow, ["RowKey"], cancellationToken)).HasValue;

    public Task MarkCompleteAsync(string accountId, CancellationToken cancellationToken = default) =>
        Table.UpsertEntityAsync(CompleteMarker(accountId), TableUpdateMode.Replace, cancellationToken);

    /// <summary>Writes (again) the references of these versions; files only, as only they have content.</summary>
    public async Task AddAsync(string accountId, IEnumerable<CatalogEntity> versions, CancellationToken cancellationToken = default)
    {
        var rows = versions.Where(v => v.Hash is not null)
            .Select(v => new TableEntity(accountId, Row(v.Hash!, v.PartitionKey, v.RowKey)))
            .DistinctBy(r => r.RowKey)
            .Chunk(RowsPerTransaction);
        await Parallel.ForEachAsync(rows, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (chunk, ct) =>
            await Table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r)), ct));
    }

    /// <summary>Deletes the references of these versions (their catalog rows are gone); one
    /// already gone is fine.</summary>
    public async Task RemoveAsync(string accountId, IEnumerable<CatalogEntity> versions, CancellationToken cancellationToken = default)
    {
        var keys = versions.Where(v => v.Hash is not null).Select(v => Row(v.Hash!, v.PartitionKey, v.RowKey)).Distinct(StringComparer.Ordinal);
        foreach (var chunk in keys.Chunk(RowsPerTransaction))
        {
            await DeleteAsync(accountId, chunk, cancellationToken);
        }
    }

    /// <summary>Whether any version points at the content: the first row of its range, if any.</summary>
    public async Task<bool> AnyAsync(string accountId, string hash, CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {accountId} and RowKey ge {RowPrefix + hash + ":"} and RowKey lt {RowPrefix + hash + ";"}");
        await foreach (var _ in Table.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            return true;
        }

        return false;
    }

    /// <summary>
    /// The consistency pass's last step: deletes the references last written before
    /// <paramref name="writtenBefore"/> (storage's own time), which the pass, having rewritten the
    /// reference of every version it found, did not see; returns the hashes they pointed at, for a
    /// reference check.
    /// </summary>
    public async Task<IReadOnlyCollection<string>> RemoveUnseenAsync(string accountId, DateTimeOffset writtenBefore, CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {accountId} and RowKey ge {RowPrefix} and RowKey lt {RowsEnd} and Timestamp lt {writtenBefore}");
        var stale = new List<string>();
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            stale.Add(row.RowKey);
        }

        foreach (var chunk in stale.Chunk(RowsPerTransaction))
        {
            await DeleteAsync(accountId, chunk, cancellationToken);
        }

        return stale.Select(HashOf).ToHashSet(StringComparer.Ordinal);
    }

    private static string HashOf(string row) => row[RowPrefix.Length..row.IndexOf(':', RowPrefix.Length)];

    private async Task DeleteAsync(string accountId, IReadOnlyCollection<string> rows, CancellationToken cancellationToken)
    {
        try
        {
            await Table.SubmitTransactionAsync(rows.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(accountId, r), ETag.All)), cancellationToken);
        }
        catch (TableTransactionFailedException e) when (e.Status == 404)
        {
            foreach (var row in rows)
            {
                await Table.DeleteEntityAsync(accountId, row, ETag.All, cancellationToken);
            }
        }
    }
}

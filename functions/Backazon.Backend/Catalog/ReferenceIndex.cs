using Azure;
using Azure.Data.Tables;
using Backazon.Backend.Accounts;
using Backazon.Backend.Configuration;
using Backazon.Backend.Storage;

namespace Backazon.Backend.Catalog;

/// <summary>
/// Which catalog versions point at each content: one row per (content, version) in the account's
/// partition of the References table, keyed by hash first. "Does any version still point at this
/// content?" is then a read of one row, whatever the catalog holds.
/// <para>
/// A reference is written before its version's catalog row and deleted after it, so a version
/// never exists without its reference. At worst a reference outlives its version (a crash
/// between the two deletes): that keeps content longer, never frees it early, and the monthly
/// consistency pass rewrites every reference it finds and drops the ones it did not.
/// </para>
/// <para>
/// Accounts older than the index have versions without references until that pass has run once;
/// a marker row next to the account's row says when its references are complete, and until then the reference
/// check asks the catalog itself (<see cref="Content.ContentReleaser.IsReferencedAsync"/>).
/// </para>
/// </summary>
public sealed class ReferenceIndex(StorageClients storage, AccountStore accounts)
{
    /// <summary>The marker's row key in the account's partition of the Accounts table.</summary>
    public const string CompleteRow = "refs:complete";

    private const int RowsPerTransaction = 100;

    public TableClient Table { get; } = storage.Tables.GetTableClient(StorageNames.ReferencesTable);

    public static string Row(string hash, string catalogPartition, string catalogRow) => $"{hash}:{catalogPartition}:{catalogRow}";

    /// <summary>The filter for the references to one content (';' follows ':').</summary>
    public static string RowsOf(string accountId, string hash) =>
        TableClient.CreateQueryFilter($"PartitionKey eq {accountId} and RowKey ge {hash + ":"} and RowKey lt {hash + ";"}");

    /// <summary>The marker of an account whose every version has its reference (new accounts
    /// start with it).</summary>
    public static TableEntity CompleteMarker(string accountId) => new(accountId, CompleteRow);

    public async Task<bool> IsCompleteAsync(string accountId, CancellationToken cancellationToken = default) =>
        (await accounts.Table.GetEntityIfExistsAsync<TableEntity>(accountId, CompleteRow, ["RowKey"], cancellationToken)).HasValue;

    public Task MarkCompleteAsync(string accountId, CancellationToken cancellationToken = default) =>
        accounts.Table.UpsertEntityAsync(CompleteMarker(accountId), TableUpdateMode.Replace, cancellationToken);

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

    /// <summary>Every reference of the account, for its purge.</summary>
    public Task RemoveAllAsync(string accountId, CancellationToken cancellationToken = default) =>
        RemoveWhereAsync(TableClient.CreateQueryFilter($"PartitionKey eq {accountId}"), cancellationToken);

    /// <summary>Deletes the references of these versions (their catalog rows are gone); one
    /// already gone is fine.</summary>
    public async Task RemoveAsync(string accountId, IEnumerable<CatalogEntity> versions, CancellationToken cancellationToken = default)
    {
        var rows = versions.Where(v => v.Hash is not null)
            .Select(v => new TableEntity(accountId, Row(v.Hash!, v.PartitionKey, v.RowKey)))
            .DistinctBy(r => r.RowKey);
        await Table.DeleteRowsAsync(rows, cancellationToken);
    }

    /// <summary>Whether any version points at the content: the first row of its range, if any.</summary>
    public async Task<bool> AnyAsync(string accountId, string hash, CancellationToken cancellationToken = default)
    {
        await foreach (var _ in Table.QueryAsync<TableEntity>(RowsOf(accountId, hash), maxPerPage: 1, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            return true;
        }

        return false;
    }

    /// <summary>The catalog keys of every version that points at the content (a range of one
    /// partition: as many rows as the content has versions).</summary>
    public async Task<List<(string Partition, string Row)>> VersionsOfAsync(string accountId, string hash, CancellationToken cancellationToken = default)
    {
        var versions = new List<(string, string)>();
        await foreach (var row in Table.QueryAsync<TableEntity>(RowsOf(accountId, hash), select: ["RowKey"], cancellationToken: cancellationToken))
        {
            // {hash}:{partition}:{row}: hashes and partitions hold no ':', a row key may.
            var keys = row.RowKey[(hash.Length + 1)..];
            var split = keys.IndexOf(':');
            versions.Add((keys[..split], keys[(split + 1)..]));
        }

        return versions;
    }

    /// <summary>
    /// The consistency pass's last step: deletes the references last written before
    /// <paramref name="writtenBefore"/> (storage's own time), which the pass, having rewritten the
    /// reference of every version it found, did not see; returns the hashes they pointed at, for a
    /// reference check.
    /// </summary>
    public async Task<IReadOnlyCollection<string>> RemoveUnseenAsync(string accountId, DateTimeOffset writtenBefore, CancellationToken cancellationToken = default)
    {
        var stale = await RemoveWhereAsync(TableClient.CreateQueryFilter($"PartitionKey eq {accountId} and Timestamp lt {writtenBefore}"), cancellationToken);
        return stale.Select(HashOf).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Deletes the references the filter finds; returns their row keys.</summary>
    private async Task<IReadOnlyList<string>> RemoveWhereAsync(string filter, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        await Table.DeleteRowsAsync(rows, cancellationToken);
        return rows.Select(r => r.RowKey).ToList();
    }

    private static string HashOf(string row) => row[..row.IndexOf(':')];
}

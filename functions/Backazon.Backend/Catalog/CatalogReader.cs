using Azure.Data.Tables;
using Backazon.Contracts;

namespace Backazon.Backend.Catalog;

/// <summary>Reads single entries of the catalog as it was at a moment: a file, a folder, a
/// file's versions (whole folders and trees are walked page by page, see <see cref="CatalogWalk"/>).</summary>
public sealed class CatalogReader(CatalogWriter writer)
{
    private TableClient Table => writer.Table;

    /// <summary>
    /// One path as of a moment: the file or link in force then (or, with
    /// <paramref name="includeDeleted"/>, the last version of a file deleted by then), else the
    /// folder, else null. At most two requests whatever the folder holds: a range query over the
    /// file's own versions, then a point read of the folder marker.
    /// </summary>
    public async Task<CatalogItem?> EntryAsync(
        string accountId, string deviceId, string path, DateTimeOffset asOf, bool includeDeleted, CancellationToken cancellationToken = default) =>
        await FileAsync(accountId, deviceId, path, asOf, includeDeleted, cancellationToken)
        ?? await FolderAsync(accountId, deviceId, path, asOf, cancellationToken);

    /// <summary>The folder at <paramref name="path"/> if it was known by <paramref name="asOf"/>,
    /// else null: one point read of its marker.</summary>
    public async Task<CatalogItem?> FolderAsync(string accountId, string deviceId, string path, DateTimeOffset asOf, CancellationToken cancellationToken = default)
    {
        var (parent, name) = CatalogPathRules.Split(path);
        var folder = await Table.GetEntityIfExistsAsync<CatalogEntity>(
            CatalogKeys.Partition(accountId, deviceId, parent), CatalogKeys.FolderRow(name), cancellationToken: cancellationToken);
        return folder.HasValue && folder.Value!.Path == path && folder.Value.CommittedAt <= asOf ? FolderItem(folder.Value) : null;
    }

    /// <summary>The file or link at <paramref name="path"/> as of a moment (see
    /// <see cref="EntryAsync"/>), or null: one range query over its own versions.</summary>
    public async Task<CatalogItem?> FileAsync(
        string accountId, string deviceId, string path, DateTimeOffset asOf, bool includeDeleted, CancellationToken cancellationToken = default) =>
        InForce(await FileRowsAsync(accountId, deviceId, path, cancellationToken), asOf, includeDeleted);

    /// <summary>The version of one name in force at <paramref name="asOf"/> (rows newest first):
    /// the first at or before it; if that is a deletion, the version it deleted, marked deleted,
    /// with <paramref name="includeDeleted"/>, else nothing.</summary>
    internal static CatalogItem? InForce(IReadOnlyList<CatalogEntity> newestFirst, DateTimeOffset asOf, bool includeDeleted)
    {
        var current = newestFirst.FirstOrDefault(r => r.CommittedAt <= asOf);
        if (current is null)
        {
            return null;
        }

        if (current.Kind != EntryKinds.Deleted)
        {
            return ToItem(current, null);
        }

        var deleted = newestFirst.FirstOrDefault(r => r.CommittedAt < current.CommittedAt && r.Kind != EntryKinds.Deleted);
        return includeDeleted && deleted is not null ? ToItem(deleted, current.CommittedAt) : null;
    }

    /// <summary>All versions of one file, newest first (deletions included).</summary>
    public async Task<List<CatalogItem>> VersionsAsync(string accountId, string deviceId, string path, CancellationToken cancellationToken = default) =>
        (await FileRowsAsync(accountId, deviceId, path, cancellationToken))
            .Select(row => row.Kind == EntryKinds.Deleted
                ? new CatalogItem(row.Path, EntryKinds.Deleted, 0, null, null, null, row.CommittedAt, row.CommittedAt, CatalogKeys.VersionId(row.Path, row.CommittedAt))
                : ToItem(row, null))
            .ToList();

    /// <summary>Every version of the file a catalog row belongs to, newest first (the same range
    /// query, from the row's keys: what a reference names).</summary>
    public async Task<List<CatalogEntity>> FileRowsOfAsync(string partition, string fileRow, CancellationToken cancellationToken = default)
    {
        var (start, end) = CatalogKeys.FileRowsOf(fileRow);
        var rows = await RangeAsync(partition, start, end, cancellationToken);
        return rows.Find(r => r.RowKey == fileRow) is { } row ? rows.FindAll(r => r.Path == row.Path) : [];
    }

    /// <summary>The rows of one file, newest first: a range query over its name in its folder's
    /// partition (rows of longer names with the same escaped start are filtered out by path).</summary>
    private async Task<List<CatalogEntity>> FileRowsAsync(string accountId, string deviceId, string path, CancellationToken cancellationToken)
    {
        var (folder, name) = CatalogPathRules.Split(path);
        var rows = await RangeAsync(CatalogKeys.Partition(accountId, deviceId, folder), CatalogKeys.FileRowsStart(name), CatalogKeys.FileRowsEnd(name), cancellationToken);
        return rows.FindAll(r => r.Path == path);
    }

    private async Task<List<CatalogEntity>> RangeAsync(string partition, string start, string end, CancellationToken cancellationToken)
    {
        var rows = new List<CatalogEntity>();
        await foreach (var row in Table.QueryAsync<CatalogEntity>(
            e => e.PartitionKey == partition && e.RowKey.CompareTo(start) >= 0 && e.RowKey.CompareTo(end) < 0, cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        return rows;
    }

    internal static CatalogItem FolderItem(CatalogEntity row) =>
        new(row.Path, CatalogItemKinds.Folder, 0, null, row.ModifiedAt, null, row.CommittedAt, null);

    private static CatalogItem ToItem(CatalogEntity row, DateTimeOffset? deletedAt) =>
        new(row.Path, row.Kind, row.Size, row.Hash, row.ModifiedAt, row.LinkTarget, row.CommittedAt, deletedAt, CatalogKeys.VersionId(row.Path, row.CommittedAt), row.Mode);
}

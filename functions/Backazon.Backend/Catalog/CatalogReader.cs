using Azure.Data.Tables;
using Backazon.Backend.Uploads;
using Backazon.Contracts;

namespace Backazon.Backend.Catalog;

/// <summary>Reads the catalog as it was at a moment: each folder is one partition query.</summary>
public sealed class CatalogReader(CatalogWriter writer)
{
    private TableClient Table => writer.Table;

    /// <summary>The folder's subfolders and files as of <paramref name="asOf"/>, in ordinal name
    /// order. Files deleted by then appear only with <paramref name="includeDeleted"/>.</summary>
    public async Task<List<CatalogItem>> ListFolderAsync(
        string accountId, string deviceId, string folder, DateTimeOffset asOf, bool includeDeleted, CancellationToken cancellationToken = default)
    {
        var items = new List<CatalogItem>();
        var partition = CatalogKeys.Partition(accountId, deviceId, folder);
        string? currentName = null;
        CatalogEntity? inForce = null;
        CatalogEntity? beforeDeletion = null;

        // Rows of one name come together, newest first: keep the first at or before asOf and,
        // if that is a deletion, the version it deleted.
        await foreach (var row in Table.QueryAsync<CatalogEntity>(e => e.PartitionKey == partition, cancellationToken: cancellationToken))
        {
            if (row.Kind == CatalogEntity.FolderKind)
            {
                if (row.CommittedAt <= asOf)
                {
                    items.Add(new CatalogItem(row.Path, CatalogItemKinds.Folder, 0, null, null, null, row.CommittedAt, null));
                }

                continue;
            }

            if (row.Path != currentName)
            {
                Emit();
                currentName = row.Path;
                inForce = null;
                beforeDeletion = null;
            }

            if (row.CommittedAt > asOf)
            {
                continue;
            }

            if (inForce is null)
            {
                inForce = row;
            }
            else if (inForce.Kind == EntryKinds.Deleted && beforeDeletion is null && row.Kind != EntryKinds.Deleted)
            {
                beforeDeletion = row;
            }
        }

        Emit();
        return items.OrderBy(i => i.Path, StringComparer.Ordinal).ToList();

        void Emit()
        {
            if (inForce is null)
            {
                return;
            }

            if (inForce.Kind != EntryKinds.Deleted)
            {
                items.Add(ToItem(inForce, null));
            }
            else if (includeDeleted && beforeDeletion is not null)
            {
                items.Add(ToItem(beforeDeletion, inForce.CommittedAt));
            }
        }
    }

    /// <summary>Every file and link under a folder, recursively, as of a moment (deleted ones
    /// excluded): one partition query per folder.</summary>
    public async IAsyncEnumerable<CatalogItem> ListTreeAsync(
        string accountId, string deviceId, string folder, DateTimeOffset asOf,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var pending = new Stack<string>([folder]);
        while (pending.TryPop(out var next))
        {
            foreach (var item in await ListFolderAsync(accountId, deviceId, next, asOf, includeDeleted: false, cancellationToken))
            {
                if (item.Kind == CatalogItemKinds.Folder)
                {
                    pending.Push(item.Path);
                }
                else
                {
                    yield return item;
                }
            }
        }
    }

    /// <summary>All versions of one file, newest first (deletions included).</summary>
    public async Task<List<CatalogItem>> VersionsAsync(string accountId, string deviceId, string path, CancellationToken cancellationToken = default)
    {
        var (folder, name) = CatalogPathRules.Split(path);
        var partition = CatalogKeys.Partition(accountId, deviceId, folder);
        var start = CatalogKeys.FileRowsStart(name);
        var end = CatalogKeys.FileRowsEnd(name);
        var versions = new List<CatalogItem>();
        await foreach (var row in Table.QueryAsync<CatalogEntity>(
            e => e.PartitionKey == partition && e.RowKey.CompareTo(start) >= 0 && e.RowKey.CompareTo(end) < 0, cancellationToken: cancellationToken))
        {
            if (row.Path == path)
            {
                versions.Add(row.Kind == EntryKinds.Deleted
                    ? new CatalogItem(row.Path, EntryKinds.Deleted, 0, null, null, null, row.CommittedAt, row.CommittedAt)
                    : ToItem(row, null));
            }
        }

        return versions;
    }

    private static CatalogItem ToItem(CatalogEntity row, DateTimeOffset? deletedAt) =>
        new(row.Path, row.Kind, row.Size, row.Hash, row.ModifiedAt, row.LinkTarget, row.CommittedAt, deletedAt, row.Mode);
}

using Azure.Data.Tables;
using Backazon.Contracts;

namespace Backazon.Backend.Catalog;

/// <summary>What one walk covers: a folder of one device as it was at a moment, with everything
/// below it or only what it holds itself; its subfolders as items or not; deleted files (the last
/// version before the deletion) or not.</summary>
public sealed record CatalogWalkScope(
    string AccountId, string DeviceId, string Root, DateTimeOffset AsOf, bool Recursive, bool IncludeFolders, bool IncludeDeleted);

/// <summary>The rows of one folder a walk goes through, in this order: its files, then its subfolders.</summary>
public enum CatalogWalkPhase
{
    Files,
    Folders,
}

/// <summary>
/// Where a walk is: in <paramref name="Folder"/>, past the row keyed <paramref name="After"/> of
/// the phase. The folders above it need no record: each is in its folders phase, just past the
/// marker of the folder below it on the way down.
/// </summary>
public sealed record CatalogWalkPosition(string Folder, CatalogWalkPhase Phase, string After)
{
    public static CatalogWalkPosition Start(string folder) => new(folder, CatalogWalkPhase.Files, CatalogKeys.FilePrefix);

    /// <summary>The key lies among the rows of its phase, so a walk from here reads only those.</summary>
    public bool IsWellFormed => After.StartsWith(Phase == CatalogWalkPhase.Files ? CatalogKeys.FilePrefix : CatalogKeys.FolderPrefix, StringComparison.Ordinal);
}

/// <summary>
/// Walks the catalog below a folder, depth first, a page at a time: each call goes on from a
/// position and returns where it stopped, holding no more than its page, and reading at most a
/// few rows for each item the page may hold, so what a page costs does not grow with the tree.
/// In each folder the files come first (one range query, paged by the SDK), then the subfolders,
/// one marker a request, each walked whole before the next marker is read: taking files first
/// keeps every query to one folder's rows, and a page of markers read ahead would be read again
/// after each subfolder. A walk that stays in its folder reads the markers a page at a time.
/// </summary>
/// <remarks>
/// Versions and folders committed after the walk's moment are passed over, so a walk resumed
/// later sees the catalog as it was. A new version of a name already passed sorts before the
/// position (newest first within a name) and is not met again; one of a name still ahead is met
/// and passed over.
/// </remarks>
public sealed class CatalogWalk(CatalogWriter writer)
{
    /// <summary>What a page reads at most for each item it may hold: four rows, a response
    /// counting as four. A page of hidden deleted files, or of folders with nothing in force, stops
    /// short (with a position to go on from) rather than reading on.</summary>
    private const int ReadsPerItem = 4;

    private TableClient Table => writer.Table;

    /// <summary>Adds to <paramref name="page"/>, up to <paramref name="pageSize"/> items, what
    /// comes after <paramref name="from"/>; returns where to go on from, or null when the walk is
    /// done. A page can come back short, or empty, with a position: it read its share of rows.</summary>
    public async Task<CatalogWalkPosition?> NextAsync(
        CatalogWalkScope scope, CatalogWalkPosition from, List<CatalogItem> page, int pageSize, CancellationToken cancellationToken = default)
    {
        var budget = new Budget(page, pageSize);
        var at = from;
        while (!budget.Spent)
        {
            var partition = CatalogKeys.Partition(scope.AccountId, scope.DeviceId, at.Folder);
            if (at.Phase == CatalogWalkPhase.Files)
            {
                at = await FilesAsync(scope, partition, at, budget, cancellationToken);
                continue;
            }

            var next = await FolderAsync(scope, partition, at, budget, cancellationToken);
            if (next is not null)
            {
                at = next;
                continue;
            }

            if (at.Folder == scope.Root)
            {
                return null;
            }

            // Back up to the parent, just past this folder's marker.
            var (parent, name) = CatalogPathRules.Split(at.Folder);
            at = new CatalogWalkPosition(parent, CatalogWalkPhase.Folders, CatalogKeys.FolderRow(name));
        }

        return at;
    }

    /// <summary>The folder's files from the position on, the version in force of each name; stops
    /// only between names (a name's versions decide together), just past the last name taken.</summary>
    private async Task<CatalogWalkPosition> FilesAsync(
        CatalogWalkScope scope, string partition, CatalogWalkPosition at, Budget budget, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {at.After} and RowKey lt {CatalogKeys.FilesEnd}");
        var versions = new List<CatalogEntity>();
        await foreach (var response in Table.QueryAsync<CatalogEntity>(filter, cancellationToken: cancellationToken).AsPages())
        {
            budget.Response();
            foreach (var row in response.Values)
            {
                if (versions.Count > 0 && versions[0].Path != row.Path)
                {
                    var taken = Take(versions);
                    if (budget.Spent)
                    {
                        return at with { After = taken };
                    }
                }

                versions.Add(row);
                budget.Row();
            }
        }

        if (versions.Count > 0)
        {
            Take(versions);
        }

        return new CatalogWalkPosition(at.Folder, CatalogWalkPhase.Folders, CatalogKeys.FolderPrefix);

        // Adds the name's version in force, if any; gives the key of its last (oldest) row.
        string Take(List<CatalogEntity> name)
        {
            if (CatalogReader.InForce(name, scope.AsOf, scope.IncludeDeleted) is { } item)
            {
                budget.Add(item);
            }

            var last = name[^1].RowKey;
            name.Clear();
            return last;
        }
    }

    /// <summary>Goes on among the folder's subfolders, passing over those not known by the walk's
    /// moment: into the next one when the walk goes down (after adding it as an item, if folders
    /// are wanted); else adds each in turn. Stops just past the last marker taken when the page is
    /// spent; null when no marker is left.</summary>
    private async Task<CatalogWalkPosition?> FolderAsync(
        CatalogWalkScope scope, string partition, CatalogWalkPosition at, Budget budget, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {at.After} and RowKey lt {CatalogKeys.FoldersEnd}");
        // Going down, the walk takes one marker and leaves: asking for more would be wasted.
        var query = Table.QueryAsync<CatalogEntity>(filter, maxPerPage: scope.Recursive ? 1 : null, cancellationToken: cancellationToken);
        await foreach (var response in query.AsPages())
        {
            budget.Response();
            foreach (var marker in response.Values)
            {
                budget.Row();
                at = at with { After = marker.RowKey };
                if (marker.CommittedAt <= scope.AsOf)
                {
                    if (scope.IncludeFolders)
                    {
                        budget.Add(CatalogReader.FolderItem(marker));
                    }

                    if (scope.Recursive)
                    {
                        return CatalogWalkPosition.Start(marker.Path);
                    }
                }

                // Checked after a marker is taken, so that every call gets somewhere.
                if (budget.Spent)
                {
                    return at;
                }
            }
        }

        return null;
    }

    /// <summary>What a page may still take: items up to its size, reads up to its share.</summary>
    private sealed class Budget(List<CatalogItem> page, int pageSize)
    {
        private int _reads;

        public bool Spent => page.Count >= pageSize || _reads >= pageSize * ReadsPerItem;

        public void Add(CatalogItem item) => page.Add(item);

        public void Row() => _reads++;

        public void Response() => _reads += ReadsPerItem;
    }
}

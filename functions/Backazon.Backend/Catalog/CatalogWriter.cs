using Azure;
using Azure.Data.Tables;
using Backazon.Backend.Configuration;
using Backazon.Backend.Storage;
using Backazon.Contracts;

namespace Backazon.Backend.Catalog;

/// <summary>
/// Records versions in the catalog. Keys are fixed by (device, path, commit time), so writing the
/// same commit twice writes the same rows: a redelivered message changes nothing. Each file
/// version's reference (<see cref="ReferenceIndex"/>) is written before the version.
/// </summary>
public sealed class CatalogWriter(StorageClients storage, ReferenceIndex references)
{
    private const int RowsPerTransaction = 100;

    public TableClient Table { get; } = storage.Tables.GetTableClient(StorageNames.CatalogTable);

    public async Task WriteAsync(string accountId, string deviceId, string commitId, DateTimeOffset committedAt,
        IReadOnlyList<FileChange> versions, CancellationToken cancellationToken = default)
    {
        await AddFoldersAsync(accountId, deviceId, commitId, committedAt, versions, cancellationToken);

        var rows = versions.Where(v => v.Kind != EntryKinds.Folder).Select(v =>
        {
            var (folder, name) = CatalogPathRules.Split(v.Path!);
            return new CatalogEntity
            {
                PartitionKey = CatalogKeys.Partition(accountId, deviceId, folder),
                RowKey = CatalogKeys.FileRow(name, committedAt),
                Path = v.Path!,
                Kind = v.Kind!,
                Size = v.Kind == EntryKinds.File ? v.Size : 0,
                Hash = v.Kind == EntryKinds.File ? v.Hash : null,
                ModifiedAt = v.Kind == EntryKinds.Deleted ? null : v.ModifiedAt,
                LinkTarget = v.Kind == EntryKinds.Symlink ? v.LinkTarget : null,
                Mode = v.Kind == EntryKinds.File ? v.Mode : null,
                CommittedAt = committedAt,
                CommitId = commitId,
            };
        }).ToList();
        await references.AddAsync(accountId, rows, cancellationToken);

        await Parallel.ForEachAsync(rows.GroupBy(r => r.PartitionKey), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (partition, ct) =>
        {
            foreach (var chunk in partition.Chunk(RowsPerTransaction))
            {
                await Table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r)), ct);
            }
        });
    }

    /// <summary>Marks each folder the first time a file appears in it, so listings can show
    /// subfolders without scanning them: one conditional add per distinct folder of the commit
    /// (a few per hundred files), whatever the device says about its paths. A folder's latest
    /// modification time goes on its marker, for a restore to set back once the folder's files
    /// are in: a new marker carries it from the start (a first backup's folders cost one request
    /// each), one known already gets it in a merge; never a version row.</summary>
    private async Task AddFoldersAsync(string accountId, string deviceId, string commitId, DateTimeOffset committedAt,
        IReadOnlyList<FileChange> versions, CancellationToken cancellationToken)
    {
        var times = new Dictionary<string, DateTimeOffset?>(StringComparer.Ordinal);
        foreach (var folder in versions.Where(v => v.Kind == EntryKinds.Folder && v.Path!.Length > 0))
        {
            times[folder.Path!] = folder.ModifiedAt;
        }

        var folders = versions.Where(v => v.Kind != EntryKinds.Deleted)
            .SelectMany(v => CatalogPathRules.Ancestors(v.Path!))
            .Concat(times.Keys)
            .Where(f => f.Length > 0)
            .ToHashSet(StringComparer.Ordinal);
        await Parallel.ForEachAsync(folders, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (folder, ct) =>
        {
            var (parent, name) = CatalogPathRules.Split(folder);
            var timed = times.TryGetValue(folder, out var modifiedAt);
            try
            {
                await Table.AddEntityAsync(new CatalogEntity
                {
                    PartitionKey = CatalogKeys.Partition(accountId, deviceId, parent),
                    RowKey = CatalogKeys.FolderRow(name),
                    Path = folder,
                    Kind = CatalogEntity.FolderKind,
                    CommittedAt = committedAt,
                    CommitId = commitId,
                    ModifiedAt = modifiedAt,
                }, ct);
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                // Known already: the first sighting stands, and only the time moves on.
                if (timed)
                {
                    var marker = new TableEntity(CatalogKeys.Partition(accountId, deviceId, parent), CatalogKeys.FolderRow(name))
                    {
                        [nameof(CatalogEntity.ModifiedAt)] = modifiedAt,
                    };
                    await Table.UpdateEntityAsync(marker, ETag.All, TableUpdateMode.Merge, ct);
                }
            }
        });
    }
}

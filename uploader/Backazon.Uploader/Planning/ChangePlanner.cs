using Backazon.Uploader.Index;
using Backazon.Uploader.Scanning;

namespace Backazon.Uploader.Planning;

/// <summary>
/// Compares a scan with the local index by size, modification time and link target only — it
/// never reads file content, so an unchanged tree costs one index lookup per file and no hashing.
/// </summary>
/// <remarks>
/// Rows that are pending (sent, not confirmed) or dirty are planned again even when they match:
/// run the confirmations (<see cref="LocalIndex.ConfirmCommit"/>) before planning, and whatever is
/// still unconfirmed is sent once more rather than risk losing it. Deletions follow the same rule.
/// </remarks>
public sealed class ChangePlanner(LocalIndex index)
{
    /// <param name="rootCatalogPath">The catalog path of the scanned root.</param>
    /// <param name="scan">The scan of that root, consumed once, as it streams.</param>
    /// <param name="skippedCatalogPaths">Catalog paths the scan could not read (from the
    /// scanner's skip callback). Read only after <paramref name="scan"/> is exhausted, so the
    /// callback can fill it while the scan runs. Index rows at or under these paths are never
    /// planned as deleted: an unreadable folder is not an empty one.</param>
    public BackupPlan Plan(
        string rootCatalogPath,
        IEnumerable<ScannedEntry> scan,
        IReadOnlyCollection<string>? skippedCatalogPaths = null)
    {
        var unchanged = 0;
        var added = new List<ScannedEntry>();
        var changed = new List<ChangedEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);

        foreach (var entry in scan)
        {
            seen.Add(entry.CatalogPath);
            var previous = index.Find(entry.CatalogPath);
            if (previous is null)
            {
                added.Add(entry);
            }
            else if (Differs(entry, previous))
            {
                changed.Add(new ChangedEntry(entry, previous));
            }
            else
            {
                unchanged++;
            }
        }

        var skipped = new HashSet<string>(skippedCatalogPaths ?? [], StringComparer.Ordinal);
        var deleted = index.Under(rootCatalogPath)
            .Where(row => !seen.Contains(row.Path) && !CatalogPath.IsSameOrUnderAny(row.Path, skipped))
            .Select(row => row.Path)
            .ToList();

        return new BackupPlan(unchanged, added, changed, deleted);
    }

    private static bool Differs(ScannedEntry entry, IndexedFile previous) =>
        previous.State != IndexState.Committed
        || previous.Kind != entry.Kind
        || entry.Kind switch
        {
            // A link's own time and size say nothing useful (and some platforms report the
            // target's): its target string is what the catalog keeps.
            EntryKind.Symlink => !string.Equals(previous.LinkTarget, entry.LinkTarget, StringComparison.Ordinal),
            _ => previous.Size != entry.Size || previous.ModifiedAt.UtcTicks != entry.ModifiedAt.UtcTicks,
        };
}

using Backazon.Uploader.Index;
using Backazon.Uploader.Scanning;

namespace Backazon.Uploader.Planning;

/// <summary>
/// Compares a scan with the local index by size, modification time, change time and inode (as
/// restic does: a file rewritten with its old modification time still moves its change time)
/// and link target — it never reads file content, so an unchanged tree costs one index lookup
/// per file and no hashing.
/// It streams: each new or changed entry is yielded as the scan finds it, and the deletions
/// (index rows the scan did not see) at the end, read from the index a page at a time — nothing
/// proportional to the tree is held in memory.
/// </summary>
/// <remarks>
/// Rows that are dirty, or pending (sent, not confirmed) in a commit the backend does not know,
/// are planned again even when they match: whatever is unconfirmed is sent once more rather than
/// risk losing it. Rows pending in a commit the backend is still cataloging (<c>openCommits</c>)
/// are left to that commit — sending them again would record each file twice. Deletions follow
/// the same rule.
/// A row no commit of which was ever confirmed is planned as new (what the catalog sees it as),
/// and, when its file is gone, forgotten rather than deleted.
/// Call <see cref="LocalIndex.BeginScan"/> once per run before the first root.
/// </remarks>
public sealed class ChangePlanner(LocalIndex index)
{
    private const int SeenBatch = 1000;

    /// <param name="rootCatalogPath">The catalog path of the scanned root.</param>
    /// <param name="scan">The scan of that root, consumed once, as it streams.</param>
    /// <param name="skippedCatalogPaths">Catalog paths the scan could not read (from the
    /// scanner's skip callback). Read only after <paramref name="scan"/> is exhausted, so the
    /// callback can fill it while the scan runs. Index rows at or under these paths are never
    /// planned as deleted: an unreadable folder is not an empty one.</param>
    /// <param name="counts">Filled as the plan streams.</param>
    /// <param name="openCommits">Commits the backend has accepted and is still cataloging.</param>
    public IEnumerable<PlannedChange> Plan(
        string rootCatalogPath,
        IEnumerable<ScannedEntry> scan,
        IReadOnlyCollection<string>? skippedCatalogPaths,
        PlanCounts counts,
        IReadOnlySet<string>? openCommits = null)
    {
        var open = openCommits ?? new HashSet<string>();
        var seen = new List<string>(SeenBatch);
        var unstamped = new List<(string, FileStamp)>();
        foreach (var entry in scan)
        {
            seen.Add(entry.CatalogPath);
            if (seen.Count == SeenBatch)
            {
                index.MarkSeen(seen);
                seen.Clear();
            }

            var previous = index.Find(entry.CatalogPath);
            if (previous is null || IsNeverCataloged(previous, open))
            {
                counts.New++;
                yield return new PlannedChange(ChangeKind.New, entry.CatalogPath, entry, previous);
            }
            else if (Differs(entry, previous, open))
            {
                counts.Changed++;
                yield return new PlannedChange(ChangeKind.Changed, entry.CatalogPath, entry, previous);
            }
            else
            {
                counts.Unchanged++;
                if (previous.Stamp is null && entry.Stamp is not null)
                {
                    unstamped.Add((entry.CatalogPath, entry.Stamp));
                    if (unstamped.Count == SeenBatch)
                    {
                        index.FillStamps(unstamped);
                        unstamped.Clear();
                    }
                }
            }
        }

        index.MarkSeen(seen);
        index.FillStamps(unstamped);
        var skipped = new HashSet<string>(skippedCatalogPaths ?? [], StringComparer.Ordinal);
        var forgotten = new List<string>();
        foreach (var row in index.Under(rootCatalogPath, unseenOnly: true))
        {
            if (CatalogPath.IsSameOrUnderAny(row.Path, skipped) || InOpenCommit(row, open))
            {
                continue;
            }

            if (IsNeverCataloged(row, open))
            {
                // Gone before it ever reached the catalog: there is nothing to delete there.
                forgotten.Add(row.Path);
                continue;
            }

            counts.Deleted++;
            yield return new PlannedChange(ChangeKind.Deleted, row.Path, null, row);
        }

        index.Remove(forgotten);
    }

    /// <summary>A row the backend never confirmed (a first upload interrupted, a first commit
    /// lost) that no commit in progress may still catalog: its file is new to the catalog.</summary>
    private static bool IsNeverCataloged(IndexedFile row, IReadOnlySet<string> open) =>
        !row.Cataloged && !InOpenCommit(row, open);

    private static bool InOpenCommit(IndexedFile row, IReadOnlySet<string> open) =>
        row is { State: IndexState.Pending, CommitId: { } commitId } && open.Contains(commitId);

    private static bool Differs(ScannedEntry entry, IndexedFile previous, IReadOnlySet<string> open) =>
        (previous.State != IndexState.Committed && !InOpenCommit(previous, open))
        || previous.Kind != entry.Kind
        || entry.Kind switch
        {
            // A link's own time and size say nothing useful (and some platforms report the
            // target's): its target string is what the catalog keeps.
            EntryKind.Symlink => !string.Equals(previous.LinkTarget, entry.LinkTarget, StringComparison.Ordinal),
            _ => previous.Size != entry.Size || previous.ModifiedAt.UtcTicks != entry.ModifiedAt.UtcTicks
                || (previous.Stamp is not null && entry.Stamp is not null && previous.Stamp != entry.Stamp),
        };
}

public enum ChangeKind
{
    New,
    Changed,
    Deleted,
}

/// <summary>One thing to send: a new or changed entry (with what the index held for it, whose
/// hash the later steps may reuse when only the confirmation was missing), or a deletion.</summary>
public sealed record PlannedChange(ChangeKind Kind, string CatalogPath, ScannedEntry? Entry, IndexedFile? Previous);

/// <summary>What a plan found, counted as it streams.</summary>
public sealed class PlanCounts
{
    public int New { get; set; }
    public int Changed { get; set; }
    public int Unchanged { get; set; }
    public int Deleted { get; set; }

    /// <summary>Of the deleted: files still on disk that an exclusion now leaves out.</summary>
    public int NowExcluded { get; set; }
}

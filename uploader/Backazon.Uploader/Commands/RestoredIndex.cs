using Backazon.Contracts;
using Backazon.Uploader.Index;
using Backazon.Uploader.Restoring;
using Backazon.Uploader.Scanning;

namespace Backazon.Uploader.Commands;

/// <summary>
/// A restore of this computer's own latest backup, back where it was, puts on disk exactly what
/// the catalog holds: the local index records those files as sent (size, time, stamp, hash), so
/// the next backup reads and sends nothing for them. This is what lets a computer that took over
/// a dead one's backup restore it and back up again at the cost of a scan. Only files found on
/// disk as cataloged (size and time) are recorded; anything else is left for the backup to read.
/// </summary>
public static class RestoredIndex
{
    public static void Record(LocalIndex index, RestoreSummary summary)
    {
        var rows = new List<IndexedFile>();
        foreach (var file in summary.Files)
        {
            if (file.Outcome is not (RestoreOutcome.Restored or RestoreOutcome.Identical or RestoreOutcome.Replaced) || file.Item is not { } item)
            {
                continue;
            }

            var local = CatalogPath.ToOriginal(item.Path);
            if (item.Kind == EntryKinds.Symlink && item.LinkTarget is { } target)
            {
                rows.Add(new IndexedFile(item.Path, EntryKind.Symlink, 0, item.ModifiedAt ?? DateTimeOffset.UnixEpoch, null, target, IndexState.Committed));
            }
            else if (item is { Kind: EntryKinds.File, Hash: { } hash, ModifiedAt: { } cataloged } && new FileInfo(local) is { Exists: true, LinkTarget: null } info
                && info.Length == item.Size && info.LastWriteTimeUtc.Ticks == cataloged.UtcTicks)
            {
                rows.Add(new IndexedFile(item.Path, EntryKind.File, info.Length, new DateTimeOffset(info.LastWriteTimeUtc.Ticks, TimeSpan.Zero), hash, null,
                    IndexState.Committed, Stamp: UnixStat.StampOf(local)));
            }
        }

        index.Upsert(rows);
    }
}

using Backazon.Uploader.Scanning;

namespace Backazon.Uploader.Index;

/// <summary>
/// One row of the local index: what the uploader last sent for a catalog path. A deletion that is
/// reported but not yet confirmed is a row of kind <see cref="EntryKind.Deleted"/>; once the
/// backend confirms it, the row is removed. <paramref name="Stamp"/> is the file's change time and
/// inode when its hash was taken (null where the system does not tell, and in rows from before
/// stamps were kept). <paramref name="Cataloged"/> says whether the backend ever confirmed a
/// commit of this path: a row that never got that far is a new file still, however often it was
/// hashed or sent. The index keeps it (<see cref="LocalIndex.Upsert"/> does not write it).
/// </summary>
public sealed record IndexedFile(
    string Path,
    EntryKind Kind,
    long Size,
    DateTimeOffset ModifiedAt,
    string? Hash,
    string? LinkTarget,
    IndexState State,
    string? CommitId = null,
    FileStamp? Stamp = null,
    bool Cataloged = true)
{
    /// <summary>A deletion of <paramref name="path"/>, to be marked pending once its commit is accepted.</summary>
    public static IndexedFile Deletion(string path) =>
        new(path, EntryKind.Deleted, 0, DateTimeOffset.UnixEpoch, null, null, IndexState.Dirty);
}

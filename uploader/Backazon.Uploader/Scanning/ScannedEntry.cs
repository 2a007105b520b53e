namespace Backazon.Uploader.Scanning;

/// <summary>
/// One file or symbolic link found by <see cref="TreeScanner"/>. <paramref name="ModifiedAt"/> is
/// UTC with the full precision the platform reports (100 ns ticks). A link has size 0 and its
/// target string, verbatim; it is never followed. <paramref name="Mode"/> is a file's Unix
/// permission bits (null on Windows), from the same look at the file; <paramref name="Stamp"/> its
/// change time and inode where the system tells them (<see cref="FileStamp"/>).
/// </summary>
public sealed record ScannedEntry(
    string CatalogPath,
    string LocalPath,
    EntryKind Kind,
    long Size,
    DateTimeOffset ModifiedAt,
    string? LinkTarget,
    int? Mode = null,
    FileStamp? Stamp = null);

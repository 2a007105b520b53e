namespace Backazon.Uploader.Scanning;

/// <summary>
/// What restic compares beside size and modification time: the inode's change time (nanoseconds
/// since the epoch) and its number. Writing a file moves its change time even when the writer
/// puts the old modification time back (encrypted containers, <c>touch -r</c>, some sync
/// tools), and replacing it gives a new inode, so a file whose stamp moved is read again.
/// Null where the system cannot tell (Windows, macOS): size and modification time decide alone.
/// </summary>
public sealed record FileStamp(long ChangedAtNanoseconds, long Inode);

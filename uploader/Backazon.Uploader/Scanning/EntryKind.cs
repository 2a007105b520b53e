namespace Backazon.Uploader.Scanning;

/// <summary>
/// What a path is. The scanner yields only <see cref="File"/> and <see cref="Symlink"/>;
/// <see cref="Deleted"/> is how the local index remembers a deletion it has reported.
/// </summary>
public enum EntryKind
{
    File,
    Symlink,
    Deleted,
}

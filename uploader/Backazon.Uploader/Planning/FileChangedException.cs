namespace Backazon.Uploader.Planning;

/// <summary>
/// The file changed while it was read, so the hash describes no version that ever existed on
/// disk as a whole. The run skips the file and the next run tries again; it is never cataloged
/// with that hash.
/// </summary>
public sealed class FileChangedException(string localPath, string detail)
    : IOException($"\"{localPath}\" changed while it was read ({detail}); it will be tried again on the next run.")
{
    public string LocalPath { get; } = localPath;
}

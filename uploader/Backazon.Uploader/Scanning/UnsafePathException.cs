namespace Backazon.Uploader.Scanning;

/// <summary>
/// A catalog path that cannot be restored safely under the chosen folder (it would escape it, or
/// names something the local file system treats specially). Its own type so a restore can skip
/// and list the file without catching every <see cref="ArgumentException"/>.
/// </summary>
public sealed class UnsafePathException(string catalogPath, string reason)
    : Exception($"Refusing to restore \"{catalogPath}\": {reason}.")
{
    public string CatalogPath { get; } = catalogPath;

    public string Reason { get; } = reason;
}

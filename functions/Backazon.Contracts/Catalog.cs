namespace Backazon.Contracts;

/// <summary>
/// One entry of a listing as of a moment: a folder, or a file or link with the version in force
/// then. A file deleted by then (and still kept) has <see cref="DeletedAt"/> set and describes
/// the last version before the deletion.
/// </summary>
public sealed record CatalogItem(
    string Path,
    string Kind,
    long Size,
    string? Hash,
    DateTimeOffset? ModifiedAt,
    string? LinkTarget,
    DateTimeOffset VersionAt,
    DateTimeOffset? DeletedAt);

public static class CatalogItemKinds
{
    public const string Folder = "folder";
}

namespace Backazon.Contracts;

/// <summary>
/// One entry of a listing as of a moment: a folder, or a file or link with the version in force
/// then. A file deleted by then (and still kept) has <see cref="DeletedAt"/> set and describes
/// the last version before the deletion. <see cref="VersionId"/> names this one version of the
/// file (16 hex characters; any unambiguous prefix selects it among the file's versions).
/// </summary>
public sealed record CatalogItem(
    string Path,
    string Kind,
    long Size,
    string? Hash,
    DateTimeOffset? ModifiedAt,
    string? LinkTarget,
    DateTimeOffset VersionAt,
    DateTimeOffset? DeletedAt,
    string? VersionId = null,
    int? Mode = null);

public static class CatalogItemKinds
{
    public const string Folder = "folder";
}

/// <summary>A page of a listing; pass <paramref name="Continuation"/> back for the next one
/// (null: that was the last), and every page shows the catalog as of the first page's moment.
/// Items come in walk order: a folder's files, then its subfolders (each followed by what it
/// holds, in a recursive listing), each group in key order (name order, but for escaped
/// characters). A page may hold fewer items than <see cref="RestoreLimits.PageSize"/>, even none,
/// and still have a continuation: it stopped after its share of reading.</summary>
public sealed record CatalogPage(IReadOnlyList<CatalogItem> Items, string? Continuation);

/// <summary>Which files to restore: paths of files or folders (folders are taken whole), of one
/// device (default: the caller), as they were at a moment (default: now).</summary>
public sealed record RestoreRequest(IReadOnlyList<string>? Paths, string? DeviceId, DateTimeOffset? At, string? Continuation, int? ExpiresInMinutes);

/// <summary>One file or link to restore, with a read-only link to exactly its content.</summary>
public sealed record RestoreItem(
    string Path,
    string Kind,
    long Size,
    string? Hash,
    DateTimeOffset? ModifiedAt,
    string? LinkTarget,
    string? DownloadUrl,
    DateTimeOffset? ExpiresAt,
    int? Mode = null);

/// <summary>A chunked content's chunks in order: a restore can check each chunk as it streams by
/// (and the list by its <see cref="ChunkListHash"/>, which must be the content's hash) without
/// cutting the bytes itself.</summary>
public sealed record ContentChunks(string Hash, IReadOnlyList<ChunkRef> Chunks);

/// <summary>A page of what to restore, in walk order and paged like <see cref="CatalogPage"/>: the
/// selected paths in ordinal order, each folder as its own item before what it holds. No page
/// says how much the whole selection is: that would take walking all of it first.</summary>
public sealed record RestoreManifest(IReadOnlyList<RestoreItem> Items, string? Continuation);

public static class RestoreLimits
{
    /// <summary>Items per listing or manifest page.</summary>
    public const int PageSize = 1000;
}

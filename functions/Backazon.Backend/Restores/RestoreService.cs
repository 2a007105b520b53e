using Backazon.Backend.Accounts;
using Backazon.Backend.Catalog;
using Backazon.Backend.Configuration;
using Backazon.Backend.Content;
using Backazon.Backend.Errors;
using Backazon.Backend.Security;
using Backazon.Backend.Storage;
using Backazon.Contracts;
using Microsoft.Extensions.Options;

namespace Backazon.Backend.Restores;

/// <summary>
/// Browsing and restoring: listings of any device of the caller's account as of any moment, and
/// manifests of signed, read-only links to exactly the content of each file. Works in every
/// status but purged (people who stopped paying can still get their data back).
/// </summary>
public sealed class RestoreService(
    AccountStore accounts, CatalogReader reader, CatalogWalk walk, ContentBlobs blobs, ContentRows contentRows, ChunkLists chunkLists, SasIssuer sas, IOptions<SasOptions> sasOptions, TimeProvider clock)
{
    /// <summary>Items per listing or manifest page (tests page through small trees with a small one).</summary>
    internal int PageSize { get; set; } = RestoreLimits.PageSize;

    /// <summary>A page of a folder (or, <paramref name="recursive"/>, of every file below it) as
    /// of a moment: the first page pins the moment, and the continuation carries it on.
    /// <paramref name="limit"/> asks for a smaller page (a screen's first one, say).</summary>
    public async Task<CatalogPage> ListAsync(DeviceCaller caller, string? deviceId, string? path, DateTimeOffset? at, bool includeDeleted, bool recursive,
        string? continuation, CancellationToken cancellationToken = default, int? limit = null)
    {
        var size = limit is null ? PageSize
            : limit is >= 1 and <= RestoreLimits.PageSize ? Math.Min(limit.Value, PageSize)
            : throw BackazonException.BadRequest($"'limit' must be between 1 and {RestoreLimits.PageSize}.", "limit");
        var device = await DeviceAsync(caller, deviceId, cancellationToken);
        var folder = Folder(path, "path");
        var token = RestoreContinuation.Decode(continuation, [folder], recursive);
        var asOf = token?.At ?? at ?? clock.GetUtcNow();
        if (token is null && folder.Length > 0 && await reader.FolderAsync(caller.AccountId, device, folder, asOf, cancellationToken) is null)
        {
            // "ls FILE" shows the file, as "ls" does: after the folder's point read, one range
            // query over the file's own versions.
            var file = await reader.FileAsync(caller.AccountId, device, folder, asOf, includeDeleted, cancellationToken);
            return new CatalogPage(file is null ? [] : [file], null);
        }

        var scope = new CatalogWalkScope(caller.AccountId, device, folder, asOf, recursive, IncludeFolders: !recursive, includeDeleted);
        var items = new List<CatalogItem>();
        var next = await walk.NextAsync(scope, token?.Position ?? CatalogWalkPosition.Start(folder), items, size, cancellationToken);
        return new CatalogPage(items, next is null ? null : new RestoreContinuation(0, asOf, next).Encode([folder]));
    }

    public async Task<IReadOnlyList<CatalogItem>> VersionsAsync(DeviceCaller caller, string? deviceId, string? path, CancellationToken cancellationToken = default)
    {
        var device = await DeviceAsync(caller, deviceId, cancellationToken);
        var versions = await reader.VersionsAsync(caller.AccountId, device, CatalogPathRules.ValidPath(path, "path"), cancellationToken);
        return versions.Count > 0 ? versions : throw BackazonException.NotFound($"'{path}'");
    }

    /// <summary>The chunk list of a chunked content the account holds (404 for any other hash:
    /// another account's, content stored whole, or released). Nothing in it needs trusting: the
    /// caller checks that it hashes to the content's identity before checking bytes against it.</summary>
    public async Task<ContentChunks> ChunksAsync(string accountId, string? hash, CancellationToken cancellationToken = default)
    {
        CatalogPathRules.ValidHash(hash, "hash");
        if (await contentRows.FindAsync(accountId, hash!, cancellationToken) is null || await chunkLists.ReadAsync(accountId, hash!, cancellationToken) is not { } list)
        {
            throw BackazonException.NotFound("The content");
        }

        return new ContentChunks(hash!, list.Chunks);
    }

    /// <summary>
    /// A page of what to restore, with a signed link for each file. The selected paths are taken
    /// once each, in ordinal order, leaving out those inside another selected folder (its walk
    /// brings them): a file is one item; a folder is its own item (with its time, which the
    /// restore sets once its files are in), then everything below it, folders included.
    /// </summary>
    public async Task<RestoreManifest> ManifestAsync(DeviceCaller caller, RestoreRequest request, CancellationToken cancellationToken = default)
    {
        var device = await DeviceAsync(caller, request.DeviceId, cancellationToken);
        var paths = request.Paths is { Count: > 0 and <= 100 } p ? p : throw BackazonException.BadRequest("Give between 1 and 100 paths to restore.", "paths");
        var lifetime = request.ExpiresInMinutes is { } minutes
            ? (minutes >= 1 && minutes <= sasOptions.Value.DownloadHours * 60 ? TimeSpan.FromMinutes(minutes)
                : throw BackazonException.BadRequest($"'expiresInMinutes' must be between 1 and {sasOptions.Value.DownloadHours * 60}.", "expiresInMinutes"))
            : TimeSpan.FromHours(sasOptions.Value.DownloadHours);
        var given = paths.Select((path, i) => Folder(path, $"paths[{i}]")).Distinct(StringComparer.Ordinal).ToList();
        var selections = Outermost(given);
        var token = RestoreContinuation.Decode(request.Continuation, selections, recursive: true);
        var asOf = token?.At ?? request.At ?? clock.GetUtcNow();

        var entries = new Dictionary<string, CatalogItem>(StringComparer.Ordinal);
        if (token is null)
        {
            // Every path is looked up on the first page, so a missing or deleted one is refused
            // before a restore starts, not half-way through it.
            foreach (var path in given)
            {
                entries[path] = await SelectedAsync(caller.AccountId, device, path, asOf, cancellationToken);
            }
        }

        var (page, next) = await SelectionPageAsync(caller.AccountId, device, selections, entries, token ?? new RestoreContinuation(0, asOf, null), cancellationToken);
        // Content sent in blocks is read from the snapshot its row names: the page's rows are read
        // together, not one after another (small content has no row to read).
        var rows = await contentRows.FindManyAsync(caller.AccountId,
            page.Where(i => i.Kind == EntryKinds.File && i.Size > BackupLimits.SinglePutMaxBytes).Select(i => i.Hash!), cancellationToken);
        var items = new List<RestoreItem>(page.Count);
        foreach (var item in page)
        {
            SignedUrl? url = null;
            if (item.Kind == EntryKinds.File)
            {
                // A big file's version is a snapshot of its lineage blob.
                var blob = rows.TryGetValue(item.Hash!, out var row) ? blobs.Checked(row) : blobs.Checked(caller.AccountId, item.Hash!, null);
                url = await sas.DownloadUrlAsync(blob, CatalogPathRules.Split(item.Path).Name, lifetime, cancellationToken);
            }

            items.Add(new RestoreItem(item.Path, item.Kind, item.Size, item.Hash, item.ModifiedAt, item.LinkTarget, url?.Url.ToString(), url?.ExpiresAt, item.Mode));
        }

        return new RestoreManifest(items, next?.Encode(selections));
    }

    /// <summary>The next page of the selection from where <paramref name="from"/> stopped, and
    /// where it stops in turn (null: the selection is done). Each selected path is looked up as it
    /// is reached, unless <paramref name="entries"/> has it already.</summary>
    private async Task<(List<CatalogItem> Page, RestoreContinuation? Next)> SelectionPageAsync(string accountId, string device,
        IReadOnlyList<string> selections, Dictionary<string, CatalogItem> entries, RestoreContinuation from, CancellationToken cancellationToken)
    {
        var page = new List<CatalogItem>();
        var (selection, position) = (from.Selection, from.Position);
        while (selection < selections.Count && page.Count < PageSize)
        {
            var root = selections[selection];
            if (position is null)
            {
                var entry = entries.GetValueOrDefault(root) ?? await SelectedAsync(accountId, device, root, asOf: from.At, cancellationToken);
                if (root.Length > 0)
                {
                    page.Add(entry);
                }

                if (entry.Kind == CatalogItemKinds.Folder)
                {
                    position = CatalogWalkPosition.Start(root);
                }
                else
                {
                    selection++;
                }

                continue;
            }

            var scope = new CatalogWalkScope(accountId, device, root, from.At, Recursive: true, IncludeFolders: true, IncludeDeleted: false);
            position = await walk.NextAsync(scope, position, page, PageSize, cancellationToken);
            if (position is not null)
            {
                break; // the page has had its share
            }

            selection++;
        }

        return (page, selection < selections.Count ? new RestoreContinuation(selection, from.At, position) : null);
    }

    /// <summary>The selected paths in ordinal order, without those inside another selected folder.</summary>
    private static List<string> Outermost(IEnumerable<string> paths)
    {
        var outermost = new List<string>();
        // Ordinal order puts a folder before anything inside it.
        foreach (var path in paths.Order(StringComparer.Ordinal))
        {
            if (!outermost.Any(o => o.Length == 0 || path.StartsWith(o + "/", StringComparison.Ordinal)))
            {
                outermost.Add(path);
            }
        }

        return outermost;
    }

    /// <summary>A selected path as of the moment: the file or folder to restore (the top of the
    /// catalog is a folder), or why there is none.</summary>
    private async Task<CatalogItem> SelectedAsync(string accountId, string device, string path, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var entry = path.Length == 0
            ? new CatalogItem("", CatalogItemKinds.Folder, 0, null, null, null, asOf, null)
            : await reader.EntryAsync(accountId, device, path, asOf, includeDeleted: true, cancellationToken)
              ?? throw BackazonException.NotFound($"'{path}' as of {asOf:u}");
        return entry.DeletedAt is { } deletedAt
            // Said apart from "never there": the version before the deletion is still kept.
            ? throw new BackazonException(ProblemKind.NotFound, "Deleted.", $"'{path}' was deleted on {deletedAt:u}; ask for it as of a moment before that ('at').")
            : entry;
    }

    /// <summary>The device whose catalog to read: the caller's own by default, or another of the
    /// same account (the "new computer" case). Another account's device is simply not found.</summary>
    private async Task<string> DeviceAsync(DeviceCaller caller, string? deviceId, CancellationToken cancellationToken)
    {
        var account = await accounts.GetAccountAsync(caller.AccountId, cancellationToken);
        if (account.Status == AccountStatuses.Purged)
        {
            throw new BackazonException(ProblemKind.Gone, "The data was purged.",
                $"This account was canceled and its data was purged on {account.StatusChangedAt:u}; there is nothing left to restore.");
        }

        if (deviceId is null || deviceId == caller.DeviceId)
        {
            return caller.DeviceId;
        }

        return await accounts.FindDeviceAsync(caller.AccountId, deviceId, cancellationToken) is not null
            ? deviceId
            : throw BackazonException.NotFound("The device");
    }

    private static string Folder(string? path, string field) =>
        string.IsNullOrEmpty(path) ? "" : CatalogPathRules.ValidPath(path.TrimEnd('/'), field);
}

using System.Text;
using Backazon.Backend.Accounts;
using Backazon.Backend.Catalog;
using Backazon.Backend.Configuration;
using Backazon.Backend.Errors;
using Backazon.Backend.Security;
using Backazon.Backend.Storage;
using Backazon.Backend.Uploads;
using Backazon.Contracts;
using Microsoft.Extensions.Options;

namespace Backazon.Backend.Restores;

/// <summary>
/// Browsing and restoring: listings of any device of the caller's account as of any moment, and
/// manifests of signed, read-only links to exactly the content of each file. Works in every
/// status but purged (people who stopped paying can still get their data back).
/// </summary>
public sealed class RestoreService(AccountStore accounts, CatalogReader reader, ContentBlobs blobs, SasIssuer sas, IOptions<SasOptions> sasOptions, TimeProvider clock)
{
    public async Task<CatalogPage> ListAsync(DeviceCaller caller, string? deviceId, string? path, DateTimeOffset? at, bool includeDeleted, bool recursive,
        string? continuation, CancellationToken cancellationToken = default)
    {
        var device = await DeviceAsync(caller, deviceId, cancellationToken);
        var folder = Folder(path, "path");
        var asOf = at ?? clock.GetUtcNow();
        var items = recursive
            ? await CollectAsync(reader.ListTreeAsync(caller.AccountId, device, folder, asOf, includeDeleted, cancellationToken: cancellationToken))
            : await reader.ListFolderAsync(caller.AccountId, device, folder, asOf, includeDeleted, cancellationToken);
        if (items.Count == 0 && folder.Length > 0
            && await reader.FileAsync(caller.AccountId, device, folder, asOf, includeDeleted, cancellationToken) is { } file)
        {
            // "ls FILE" shows the file, as "ls" does; a folder costs nothing more, a file one
            // range query over its own versions.
            items.Add(file);
        }

        return Page(items, continuation);
    }

    public async Task<IReadOnlyList<CatalogItem>> VersionsAsync(DeviceCaller caller, string? deviceId, string? path, CancellationToken cancellationToken = default)
    {
        var device = await DeviceAsync(caller, deviceId, cancellationToken);
        var versions = await reader.VersionsAsync(caller.AccountId, device, CatalogPathRules.ValidPath(path, "path"), cancellationToken);
        return versions.Count > 0 ? versions : throw BackazonException.NotFound($"'{path}'");
    }

    public async Task<RestoreManifest> ManifestAsync(DeviceCaller caller, RestoreRequest request, CancellationToken cancellationToken = default)
    {
        var device = await DeviceAsync(caller, request.DeviceId, cancellationToken);
        var paths = request.Paths is { Count: > 0 and <= 100 } p ? p : throw BackazonException.BadRequest("Give between 1 and 100 paths to restore.", "paths");
        var lifetime = request.ExpiresInMinutes is { } minutes
            ? (minutes >= 1 && minutes <= sasOptions.Value.DownloadHours * 60 ? TimeSpan.FromMinutes(minutes)
                : throw BackazonException.BadRequest($"'expiresInMinutes' must be between 1 and {sasOptions.Value.DownloadHours * 60}.", "expiresInMinutes"))
            : TimeSpan.FromHours(sasOptions.Value.DownloadHours);
        var asOf = request.At ?? clock.GetUtcNow();

        var selected = new Dictionary<string, CatalogItem>(StringComparer.Ordinal);
        for (var i = 0; i < paths.Count; i++)
        {
            var path = Folder(paths[i], $"paths[{i}]");
            var entry = path.Length == 0
                ? new CatalogItem("", CatalogItemKinds.Folder, 0, null, null, null, asOf, null)
                : await reader.EntryAsync(caller.AccountId, device, path, asOf, includeDeleted: true, cancellationToken)
                  ?? throw BackazonException.NotFound($"'{path}' as of {asOf:u}");
            if (entry.DeletedAt is { } deletedAt)
            {
                // Said apart from "never there": the version before the deletion is still kept.
                throw new BackazonException(ProblemKind.NotFound, "Deleted.",
                    $"'{path}' was deleted on {deletedAt:u}; ask for it as of a moment before that ('at').");
            }

            if (entry.Kind != CatalogItemKinds.Folder)
            {
                selected[entry.Path] = entry;
                continue;
            }

            // The folders come too, with their times: the restore sets them once their files are in.
            if (path.Length > 0)
            {
                selected[entry.Path] = entry;
            }

            await foreach (var item in reader.ListTreeAsync(caller.AccountId, device, path, asOf, includeFolders: true, cancellationToken: cancellationToken))
            {
                selected[item.Path] = item;
            }
        }

        var page = Page(selected.Values.ToList(), request.Continuation);
        var items = new List<RestoreItem>(page.Items.Count);
        foreach (var item in page.Items)
        {
            SignedUrl? url = null;
            if (item.Kind == EntryKinds.File)
            {
                var blob = await CheckedBlobAsync(caller.AccountId, item, cancellationToken);
                url = await sas.DownloadUrlAsync(blob, CatalogPathRules.Split(item.Path).Name, lifetime, cancellationToken);
            }

            items.Add(new RestoreItem(item.Path, item.Kind, item.Size, item.Hash, item.ModifiedAt, item.LinkTarget, url?.Url.ToString(), url?.ExpiresAt, item.Mode));
        }

        // The selection is in hand whole here, so its totals cost nothing; they go on the first page only.
        return request.Continuation is null
            ? new RestoreManifest(items, page.Continuation, selected.Values.Count(i => i.Kind != CatalogItemKinds.Folder), selected.Values.Sum(i => i.Size))
            : new RestoreManifest(items, page.Continuation);
    }

    /// <summary>The blob a version's bytes are read from: content sent in blocks is read from the
    /// snapshot the backend checked (one point read for each such file; small content has none).</summary>
    private async Task<Azure.Storage.Blobs.BlobClient> CheckedBlobAsync(string accountId, CatalogItem item, CancellationToken cancellationToken)
    {
        string? snapshot = null;
        if (item.Size > BackupLimits.SinglePutMaxBytes)
        {
            var row = await accounts.Table.GetEntityIfExistsAsync<ContentEntity>(accountId, ContentEntity.RowFor(item.Hash!), cancellationToken: cancellationToken);
            snapshot = row.HasValue ? row.Value!.Snapshot : null;
        }

        return blobs.Checked(accountId, item.Hash!, snapshot);
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

    /// <summary>Stable pages over an ordinal path order: the continuation is the last path given.</summary>
    private static CatalogPage Page(List<CatalogItem> items, string? continuation)
    {
        items.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        var after = Decode(continuation);
        var start = after is null ? 0 : items.FindIndex(i => string.CompareOrdinal(i.Path, after) > 0);
        if (start < 0)
        {
            return new CatalogPage([], null);
        }

        var page = items.Skip(start).Take(RestoreLimits.PageSize).ToList();
        var more = start + page.Count < items.Count;
        return new CatalogPage(page, more ? Encode(page[^1].Path) : null);
    }

    private static string Encode(string path) => Convert.ToBase64String(Encoding.UTF8.GetBytes(path)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string? Decode(string? continuation)
    {
        if (string.IsNullOrEmpty(continuation))
        {
            return null;
        }

        try
        {
            var base64 = continuation.Replace('-', '+').Replace('_', '/');
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=')));
        }
        catch (FormatException)
        {
            throw BackazonException.BadRequest("The continuation token is not one this service gave out.", "continuation");
        }
    }

    private static async Task<List<CatalogItem>> CollectAsync(IAsyncEnumerable<CatalogItem> items)
    {
        var list = new List<CatalogItem>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }
}

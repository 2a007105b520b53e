using Backazon.Contracts;
using Backazon.Uploader.Api;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Ui;

namespace Backazon.Uploader.Commands;

/// <summary>
/// When a restore or link finds nothing because the file was deleted by then, says when it was
/// deleted and which "--at" brings back the version before. Looked up only after the backend
/// said "not found" (one versions request per path asked for), so a restore costs nothing more.
/// </summary>
public static class DeletedFiles
{
    public static async Task<T> ExplainAsync<T>(BackazonClient client, string? deviceId, IReadOnlyList<string> catalogPaths, DateTimeOffset asOf,
        Func<Task<T>> request, CancellationToken cancellationToken)
    {
        try
        {
            return await request();
        }
        catch (BackazonApiException e) when (e.Status == 404)
        {
            foreach (var path in catalogPaths)
            {
                if (await ExplanationAsync(client, deviceId, path, asOf, cancellationToken) is { } sentence)
                {
                    throw new CliException(sentence);
                }
            }

            throw new BackazonApiException(ServerWords.Localize(e.Message, catalogPaths), e.Status) { Error = e.Error };
        }
    }

    private static async Task<string?> ExplanationAsync(BackazonClient client, string? deviceId, string path, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        List<CatalogItem> versions;
        try
        {
            versions = await client.VersionsAsync(deviceId, path, cancellationToken);
        }
        catch (BackazonApiException e) when (e.Status == 404)
        {
            return null; // never backed up (or a folder): the backend's own answer says so
        }

        // Newest first: what was in force then, and the last version before it if it is a deletion.
        if (versions.FirstOrDefault(v => v.VersionAt <= asOf) is not { Kind: EntryKinds.Deleted } deletion
            || versions.FirstOrDefault(v => v.VersionAt < deletion.VersionAt && v.Kind != EntryKinds.Deleted) is not { } before)
        {
            return null;
        }

        // "--at" a printed second reaches to its end (Times.TryParse); the second before the
        // deletion's includes the version before unless both fell in the same second, which only
        // the version id can tell apart.
        var justBefore = Times.SecondBefore(deletion.VersionAt);
        var how = before.VersionAt < justBefore.AddSeconds(1)
            ? $"--at '{Times.Local(justBefore)}'"
            : $"--version {HistoryViews.ShortId(before.VersionId)}";
        return $"'{UserPaths.Show(path)}' was deleted on {Times.Local(deletion.VersionAt)}; restore it as it was before with {how}.";
    }
}

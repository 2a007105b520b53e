using Backazon.Contracts;
using Backazon.Uploader.Api;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Ui;

namespace Backazon.Uploader.Commands;

/// <summary>"restore --version ID": the one version of a file whose id starts with ID.</summary>
public static class VersionSelector
{
    /// <summary>Shorter starts match too many versions to be worth taking.</summary>
    public const int MinimumLength = 4;

    public static async Task<CatalogItem> FindAsync(BackazonClient client, string? deviceId, string catalogPath, string id, CancellationToken cancellationToken)
    {
        var shown = UserPaths.Show(catalogPath);
        if (id.Length < MinimumLength || !id.All(char.IsAsciiHexDigit))
        {
            throw new CliException($"'{id}' is not a version id; 'backazon versions {shown}' prints them (the first column, at least {MinimumLength} characters of it).");
        }

        return Pick(await client.VersionsAsync(deviceId, catalogPath, cancellationToken), id, shown);
    }

    /// <summary>The version among <paramref name="versions"/> (one file's) whose id starts with
    /// <paramref name="id"/>, or one sentence saying why there is not exactly one.</summary>
    public static CatalogItem Pick(IReadOnlyList<CatalogItem> versions, string id, string shown)
    {
        var matches = versions.Where(v => v.VersionId?.StartsWith(id, StringComparison.OrdinalIgnoreCase) == true).ToList();
        return matches switch
        {
            [{ Kind: EntryKinds.Deleted } deletion] => throw new CliException(
                $"Version {id} of '{shown}' is its deletion on {Times.Local(deletion.VersionAt)}; pick a version from before it ('backazon versions {shown}')."),
            [var one] => one,
            [] => throw new CliException($"'{shown}' has no version {id}; 'backazon versions {shown}' lists them."),
            _ => throw new CliException($"'{id}' starts the ids of {matches.Count} versions of '{shown}' ({string.Join(", ", matches.Select(m => m.VersionId))}); give more of it."),
        };
    }
}

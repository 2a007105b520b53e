using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Backazon.Backend.Content;

/// <summary>One version of a lineage blob: its snapshot and the content it is.</summary>
public sealed record LineageVersion(string Snapshot, string? Content, string? BuiltFrom);

/// <summary>
/// A big file's versions kept as one blob's successive block lists: "{account}/lineage/{hash of
/// its first content}" in the content container, each version frozen as a snapshot whose
/// metadata names the content it is. Azure bills a blob and its snapshots for their unique
/// blocks (no tier is ever set on them explicitly), so a version costs its new chunks. No device
/// ever gets a SAS for such a blob: hash names are hex, so no grant can name it; only the backend
/// writes it (<see cref="ChunkedContentBuilder"/>).
/// <para>
/// Deleting a version deletes its snapshot: Azure frees the blocks no other snapshot and not the
/// blob's current block list hold. The blob itself goes with its last snapshot (a delete that
/// names no snapshot option fails while one is left, and one guarded by the ETag fails when a
/// version was committed meanwhile). The current block list is the newest version's: while an
/// older version is kept, releasing the newest frees nothing until the next version or the last
/// snapshot goes.
/// </para>
/// </summary>
public sealed class LineageBlobs(ContentBlobs blobs)
{
    /// <summary>Azure advises fewer than 1,000 snapshots per blob; past this many commits a new
    /// version starts a new lineage blob, at the cost of one copy of its unchanged chunks.</summary>
    public const int MaxCommits = 900;

    /// <summary>Metadata every commit sets, so each snapshot carries it: the content it is, the
    /// content its unchecked chunks were judged against, and the commits so far.</summary>
    public const string ContentKey = "content";
    public const string BuiltFromKey = "base";
    public const string CommitsKey = "commits";
    public const string NoBase = "none";

    public static string Name(string accountId, string firstHash) => $"{accountId}/lineage/{firstHash}";

    public BlockBlobClient Blob(string name) => blobs.Container.GetBlockBlobClient(name);

    public static string? Metadata(IDictionary<string, string> metadata, string key) => metadata.TryGetValue(key, out var value) ? value : null;

    /// <summary>The blob's snapshots, oldest first, with the content each one is.</summary>
    public async Task<List<LineageVersion>> VersionsAsync(string name, CancellationToken cancellationToken = default)
    {
        var versions = new List<LineageVersion>();
        await foreach (var item in blobs.Container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.Snapshots, name, cancellationToken))
        {
            if (item.Name == name && !string.IsNullOrEmpty(item.Snapshot))
            {
                versions.Add(new(item.Snapshot, Metadata(item.Metadata, ContentKey), Metadata(item.Metadata, BuiltFromKey)));
            }
        }

        return versions;
    }

    /// <summary>Deletes one version (a release): its snapshot, then the blob if that was the last.</summary>
    public async Task ReleaseAsync(string name, string snapshot, CancellationToken cancellationToken = default)
    {
        await Blob(name).WithSnapshot(snapshot).DeleteIfExistsAsync(cancellationToken: cancellationToken);
        await DeleteIfNoVersionAsync(name, cancellationToken);
    }

    /// <summary>Deletes every snapshot made as the content (a check that failed, an upload given
    /// up before it was counted), then the blob if no version is left.</summary>
    public async Task DiscardAsync(string name, string hash, CancellationToken cancellationToken = default)
    {
        foreach (var version in await VersionsAsync(name, cancellationToken))
        {
            if (version.Content == hash)
            {
                await Blob(name).WithSnapshot(version.Snapshot).DeleteIfExistsAsync(cancellationToken: cancellationToken);
            }
        }

        await DeleteIfNoVersionAsync(name, cancellationToken);
    }

    /// <summary>
    /// Deletes the account's lineage snapshots that no content row names (what a crash between a
    /// release's two steps, or a build given up after its snapshot, leaves), once older than
    /// <paramref name="cutoff"/>: a snapshot whose content has no row, or whose content's verified
    /// row names another snapshot. A row still granted may be counted with this snapshot, so it
    /// stays. Returns how many went.
    /// </summary>
    public async Task<int> RemoveOrphansAsync(Accounts.AccountStore accounts, string accountId, DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        var removed = 0;
        var lineages = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var item in blobs.Container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.Snapshots, Name(accountId, ""), cancellationToken))
        {
            lineages.Add(item.Name);
            if (string.IsNullOrEmpty(item.Snapshot) || DateTimeOffset.Parse(item.Snapshot, System.Globalization.CultureInfo.InvariantCulture) >= cutoff
                || Metadata(item.Metadata, ContentKey) is not { } content)
            {
                continue;
            }

            var row = await accounts.Table.GetEntityIfExistsAsync<Content.ContentEntity>(accountId, Content.ContentEntity.RowFor(content), cancellationToken: cancellationToken);
            if (!row.HasValue || (row.Value!.IsVerified && row.Value.Snapshot != item.Snapshot))
            {
                await Blob(item.Name).WithSnapshot(item.Snapshot).DeleteIfExistsAsync(cancellationToken: cancellationToken);
                removed++;
            }
        }

        foreach (var name in lineages)
        {
            await DeleteIfNoVersionAsync(name, cancellationToken);
        }

        return removed;
    }

    private async Task DeleteIfNoVersionAsync(string name, CancellationToken cancellationToken)
    {
        var blob = Blob(name);
        try
        {
            var etag = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value.ETag;
            if ((await VersionsAsync(name, cancellationToken)).Count > 0)
            {
                return;
            }

            // No snapshot option: storage refuses (409) while a snapshot exists, so one taken
            // since the listing stays; the ETag refuses (412) when a version was committed since.
            await blob.DeleteAsync(DeleteSnapshotsOption.None, new BlobRequestConditions { IfMatch = etag }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 409 or 412)
        {
        }
    }
}

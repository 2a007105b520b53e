using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using Backazon.Backend.Accounts;
using Backazon.Backend.Catalog;
using Backazon.Backend.Plans;
using Backazon.Backend.Storage;
using Microsoft.Extensions.Logging;

namespace Backazon.Backend.Content;

/// <summary>
/// Tells lifecycle management which content only old versions point at: the blob index tag
/// <c>backazon-state=old</c>, which the data account's rule <c>tier-old-content</c> moves to cool
/// and then cold by age (infra/README.md, "Tiering old content", is the contract). A tag is a
/// hint: one that is missing or late keeps content hot, which costs more and loses nothing; one
/// that is wrong moves content a signed link still reads (cool and cold are online tiers).
/// <para>
/// Decided from what the backend knows, never from a device: content qualifies when it is at
/// least <see cref="MinBytes"/>, no version in force points at it (each of its references is
/// looked up in the catalog), and the plan keeps it at least <see cref="MinStay"/> more days
/// (cold's minimum stay), with a deleted-file retention of 0 or at least as long. The content
/// row says it was tagged before the tag is written, so a commit that makes the content current
/// again knows to take the tag off (<see cref="MakeCurrentAsync"/>), and the tagging reads the
/// row again after its tag lands, to take it back if such a commit came in between; the monthly
/// walk reads the tags of content in force and takes off any left.
/// </para>
/// <para>
/// Content sent in blocks was checked as a snapshot (a device's write SAS could rewrite the
/// blob, and could break a lease too, while it lived). Lifecycle management tiers base blobs,
/// and a tiered base no longer shares its blocks with the snapshot: the bytes would be billed
/// twice. So such content first gives up its snapshot: once every upload SAS for it has expired
/// and the blob's ETag is still the snapshot's (nobody rewrote it in its window, and nobody can
/// now), restores switch to the blob itself; a later pass, once no link to the snapshot can be
/// alive, deletes the snapshot and tags the blob.
/// </para>
/// <para>
/// Content already cold is not tagged: <see cref="ColdAfterCheck"/> moves most content there when
/// it is checked, and tagging is left for what stayed hot (content checked before that, a move
/// that failed).
/// </para>
/// <para>
/// Chunked content kept as a version of a lineage blob (<see cref="Content.LineageBlobs"/>) is
/// never tagged: its snapshot is the version, and a tier on it would bill its shared blocks again.
/// </para>
/// </summary>
public sealed class ContentTiering(AccountStore accounts, ContentBlobs blobs, CatalogReader catalog, ReferenceIndex references, ILogger<ContentTiering> logger)
{
    public const string TagName = "backazon-state";
    public const string OldValue = "old";

    /// <summary>Below this, the tag's monthly price and the tier changes cost more than the
    /// storage they save.</summary>
    public const long MinBytes = 4 * 1024 * 1024;

    /// <summary>Cold storage's minimum stay: content leaving sooner is charged for the rest.</summary>
    public static readonly TimeSpan MinStay = TimeSpan.FromDays(90);

    // The longest an upload SAS and a restore link can live (the bounds Sas:UploadMinutes and
    // Sas:DownloadHours are held to, so a change of setting cannot shorten them), plus skew.
    private static readonly TimeSpan UploadSasLife = TimeSpan.FromMinutes(60 + 5);
    // The link margin also covers a walk's step, whose "now" is taken when it starts.
    private static readonly TimeSpan LinkLife = TimeSpan.FromHours(168) + TimeSpan.FromHours(1);

    /// <summary>Tags the content when it qualifies (see the class); true when it was tagged now.</summary>
    public Task<bool> TagIfOldAsync(string accountId, string hash, RetentionRules rules, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        AsHintAsync(accountId, hash, () => TryTagAsync(accountId, hash, rules, now, cancellationToken));

    private async Task<bool> TryTagAsync(string accountId, string hash, RetentionRules rules, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (rules.DeletedRetentionDays > 0 && TimeSpan.FromDays(rules.DeletedRetentionDays) < MinStay)
        {
            return false; // a deletion tomorrow would cut the stay short
        }

        var found = await accounts.Table.GetEntityIfExistsAsync<ContentEntity>(accountId, ContentEntity.RowFor(hash), cancellationToken: cancellationToken);
        if (!found.HasValue || found.Value is not { IsVerified: true, Size: >= MinBytes, Blob: null } content
            || !await references.IsCompleteAsync(accountId, cancellationToken) // else a version in force could be missed
            || !await OnlyOldVersionsKeepAsync(accountId, hash, rules, now, cancellationToken))
        {
            return false;
        }

        var blob = blobs.Blob(accountId, hash);
        var old = new Dictionary<string, string> { [TagName] = OldValue };
        if (content.TaggedOld)
        {
            await blob.SetTagsAsync(old, cancellationToken: cancellationToken); // again: the first write may have failed
            return false;
        }

        if (!await WithoutSnapshotAsync(content, now, cancellationToken))
        {
            return false;
        }

        if ((await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value.AccessTier == AccessTier.Cold)
        {
            return false; // moved after its check (ColdAfterCheck): nowhere cheaper to go
        }

        content.TaggedOld = true;
        if (!await accounts.Table.TryReplaceAsync(content, cancellationToken))
        {
            return false;
        }

        await blob.SetTagsAsync(old, cancellationToken: cancellationToken);
        // A commit that brought the bytes back meanwhile took the tag off before this one landed.
        var after = await accounts.Table.GetEntityIfExistsAsync<ContentEntity>(accountId, content.RowKey, cancellationToken: cancellationToken);
        if (!after.HasValue || !after.Value!.TaggedOld)
        {
            await blob.SetTagsAsync(new Dictionary<string, string>(), cancellationToken: cancellationToken);
            return false;
        }

        logger.LogInformation("Content {Hash} of account {Account} is only old versions' now: tagged for tiering.", hash, accountId);
        return true;
    }

    /// <summary>A commit points a version in force at tagged content again: the tag goes (content
    /// already in cool or cold stays there, readable through the same links; it moves no further).</summary>
    public Task<bool> MakeCurrentAsync(ContentEntity content, CancellationToken cancellationToken = default) =>
        AsHintAsync(content.PartitionKey, content.Hash, async () =>
        {
            await blobs.Blob(content.PartitionKey, content.Hash).SetTagsAsync(new Dictionary<string, string>(), cancellationToken: cancellationToken);
            var untagged = new TableEntity(content.PartitionKey, content.RowKey) { [nameof(ContentEntity.TaggedOld)] = false };
            await accounts.Table.UpdateEntityAsync(untagged, ETag.All, TableUpdateMode.Merge, cancellationToken);
            content.TaggedOld = false;
            return true;
        });

    /// <summary>The monthly walk found a version in force pointing at the content: a tag that
    /// is there anyway (a race, a failed removal) goes. The blob's own tags decide, not the row.</summary>
    public Task<bool> UntagIfTaggedAsync(string accountId, string hash, CancellationToken cancellationToken = default) =>
        AsHintAsync(accountId, hash, async () =>
        {
            IDictionary<string, string> tags;
            try
            {
                tags = (await blobs.Blob(accountId, hash).GetTagsAsync(cancellationToken: cancellationToken)).Value.Tags;
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return false; // a version of a lineage blob (no blob of its own), never tagged
            }

            if (!tags.ContainsKey(TagName))
            {
                return false;
            }

            var found = await accounts.Table.GetEntityIfExistsAsync<ContentEntity>(accountId, ContentEntity.RowFor(hash), cancellationToken: cancellationToken);
            return found.HasValue && await MakeCurrentAsync(found.Value!, cancellationToken);
        });

    /// <summary>Tagging is a hint: a storage failure is logged, not thrown, so the retention or
    /// catalog work around it goes on (the monthly walk tries again).</summary>
    private async Task<bool> AsHintAsync(string accountId, string hash, Func<Task<bool>> work)
    {
        try
        {
            return await work();
        }
        catch (RequestFailedException e)
        {
            logger.LogWarning(e, "Tiering content {Hash} of account {Account} failed; the next pass tries again.", hash, accountId);
            return false;
        }
    }

    /// <summary>
    /// Whether no version in force points at the content while the plan keeps one that does for
    /// at least <see cref="MinStay"/> more: one read of the content's references, then one range
    /// read of each such file's versions (a few, for content only old versions point at).
    /// </summary>
    private async Task<bool> OnlyOldVersionsKeepAsync(string accountId, string hash, RetentionRules rules, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var keptLongEnough = false;
        foreach (var (partition, row) in await references.VersionsOfAsync(accountId, hash, cancellationToken))
        {
            var versions = await catalog.FileRowsOfAsync(partition, row, cancellationToken);
            var index = versions.FindIndex(v => v.RowKey == row);
            if (index < 0)
            {
                // No catalog row yet (a commit writes the reference first) or any more (a crash
                // left the reference): undecided, so not tagged; the monthly pass drops stale ones.
                return false;
            }

            var newestFirst = versions.Select(v => new RetainedVersion(v.Kind, v.CommittedAt)).ToList();
            if (RetentionPolicy.Apply(newestFirst, rules, now)[index].Reason == RetentionPolicy.Current)
            {
                return false;
            }

            keptLongEnough |= RetentionPolicy.RemovalOf(newestFirst, index, rules) is not { } removal || removal >= now + MinStay;
        }

        return keptLongEnough;
    }

    /// <summary>
    /// Moves content checked as a snapshot onto its blob, one step per call (see the class): true
    /// once no snapshot is left. The blob is trusted only when every upload SAS has expired and
    /// its ETag is still the snapshot's; content rewritten in its window stays on its snapshot.
    /// </summary>
    private async Task<bool> WithoutSnapshotAsync(ContentEntity content, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var blob = blobs.Blob(content.PartitionKey, content.Hash);
        if (content.Snapshot is { } snapshot)
        {
            if (content.VerifiedAt is not { } verifiedAt || now < verifiedAt + UploadSasLife)
            {
                return false;
            }

            var current = await blob.GetPropertiesAsync(cancellationToken: cancellationToken);
            var checkedBytes = await blob.WithSnapshot(snapshot).GetPropertiesAsync(cancellationToken: cancellationToken);
            if (current.Value.ETag != checkedBytes.Value.ETag)
            {
                logger.LogWarning("Content {Hash} of account {Account} was rewritten after its check; it stays on the snapshot that was checked.", content.Hash, content.PartitionKey);
                return false;
            }

            content.Snapshot = null;
            content.DropSnapshotsAfter = now + LinkLife;
            await accounts.Table.TryReplaceAsync(content, cancellationToken);
            return false;
        }

        if (content.DropSnapshotsAfter is { } dropAfter)
        {
            if (now < dropAfter)
            {
                return false;
            }

            await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.OnlySnapshots, cancellationToken: cancellationToken);
            content.DropSnapshotsAfter = null;
            return await accounts.Table.TryReplaceAsync(content, cancellationToken);
        }

        return true;
    }

}

using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Backazon.Backend.Accounts;
using Backazon.Backend.Storage;
using Backazon.Contracts;
using Microsoft.Extensions.Logging;

namespace Backazon.Backend.Content;

/// <summary>What a build's check found: the blob's length and its identity as checked (null: a
/// chunk is not what the list says), how many bytes the check read, and the lineage blob and
/// snapshot that hold the version.</summary>
public sealed record BuildCheck(long Length, string? Hash, long BytesRead, string? Blob = null, string? Snapshot = null);

/// <summary>
/// Builds chunked content as a version of its file's lineage blob (<see cref="LineageBlobs"/>)
/// and checks it by reading only the chunks the device sent.
/// <para>
/// Write order (a crash between any two steps leaves storage consistent and the build
/// retryable): (1) new chunks are staged on the lineage blob as uncommitted blocks, each copied
/// with Put Block From URL from the device's staging blob (or, for a chunk the base holds but the
/// lineage's current list no longer does, from the base's checked snapshot), under block ids
/// never used before (a random build id, the chunk's hash and its occurrence in the file);
/// (2) the block list is committed, guarded by the ETag read before (If-None-Match for a new
/// lineage), naming those new blocks and, for unchanged chunks, the base version's committed
/// block ids: no byte is copied; its metadata names the content; (3) the blob is snapshotted,
/// guarded by the commit's ETag; (4) the snapshot is checked; (5) the verifier counts the row,
/// which then names the lineage and the snapshot. A retry first looks for a snapshot already
/// made as this content (steps 3-4 again, no build), then for a committed list that is this
/// content (step 3 again). Uncommitted blocks a crash leaves are dropped by the next commit (or
/// by storage after a week); a build that lost a race with another commit starts again.
/// </para>
/// <para>
/// Why the check covers every byte although the device names the base: no device ever gets a SAS
/// for a lineage blob, so only this class writes it. A reused block id is one the base's own
/// checked snapshot holds at a position where the base's list has the chunk, and that is also in
/// the lineage's current committed list; block ids are staged once and never again, so the bytes
/// under the id are the ones the base's check covered. Everything else the base holds comes from
/// its checked snapshot. The check then reads, from the new snapshot (which nothing can change),
/// every position the base does not hold (a device may rewrite its staging blob between copies,
/// so each position is read, not each distinct chunk) and hashes it. The identity, the hash of
/// the list, therefore covers every byte. A lease could not do this: a write SAS may break it.
/// </para>
/// <para>
/// The first version is a copy of the staging blob (one block per chunk, so later versions can
/// share each one), not the staging blob itself. Reusing blocks of a blob a device could still
/// write would need Put Block List's "Committed" entries: this SDK sends every id as "Latest",
/// which takes an uncommitted block of the same id first, and a device knows the ids it chose
/// and can stage such a block while its SAS lives without changing the ETag. With a raw
/// Put Block List naming reused ids as Committed, guarded by the snapshot's ETag, the staging
/// blob could become the lineage and the first backup would cost one upload and one read.
/// </para>
/// </summary>
public sealed class ChunkedContentBuilder(AccountStore accounts, ContentBlobs blobs, LineageBlobs lineages, ChunkLists lists, SasIssuer sas, ILogger<ChunkedContentBuilder> logger)
{
    /// <summary>The most bytes one read of the check asks for.</summary>
    public const long MaxReadBytes = 256L * 1024 * 1024;

    private const int CopiesInFlight = 8;

    // A build that loses a race with another commit on the same lineage starts again, this often.
    private const int Attempts = 3;

    /// <summary>Builds the version when it is not there yet, then checks it. Null when the content
    /// has not arrived: no chunk list, a staging blob missing or short, a source gone.</summary>
    public async Task<BuildCheck?> BuildAndCheckAsync(string accountId, string hash, CancellationToken cancellationToken = default)
    {
        if (await lists.ReadAsync(accountId, hash, cancellationToken) is not { } list)
        {
            return null;
        }

        var baseRow = await CheckedBaseAsync(accountId, list.Base, cancellationToken);
        var name = await LineageForAsync(accountId, hash, baseRow, cancellationToken);
        LineageVersion? version = null;
        for (var attempt = 0; version is null && attempt < Attempts; attempt++)
        {
            var (arrived, built) = await FindOrBuildAsync(accountId, hash, list, baseRow, name, cancellationToken);
            if (!arrived)
            {
                return null;
            }

            version = built;
        }

        if (version is null)
        {
            logger.LogInformation("Chunked content {Hash} of account {Account} lost {Attempts} races on its lineage blob; it is checked again later.", hash, accountId, Attempts);
            return null;
        }

        var check = await CheckAsync(accountId, list, name, version, cancellationToken);
        if (check?.Hash is not null)
        {
            await lists.DeleteStagingAsync(accountId, hash, cancellationToken); // every new chunk is in the content now
        }

        return check;
    }

    /// <summary>Deletes what a build made for content given up before it was counted (its
    /// snapshots, in the lineage a build would have chosen).</summary>
    public async Task DiscardAsync(string accountId, string hash, CancellationToken cancellationToken = default)
    {
        var list = await lists.ReadAsync(accountId, hash, cancellationToken);
        var baseRow = list is null ? null : await CheckedBaseAsync(accountId, list.Base, cancellationToken);
        await lineages.DiscardAsync(LineageBlobs.Name(accountId, hash), hash, cancellationToken);
        if (baseRow?.Blob is { } lineage)
        {
            await lineages.DiscardAsync(lineage, hash, cancellationToken);
        }
    }

    /// <summary>The base's lineage while it has room; else a lineage of its own, named for it.</summary>
    private async Task<string> LineageForAsync(string accountId, string hash, ContentEntity? baseRow, CancellationToken cancellationToken)
    {
        if (baseRow?.Blob is { } lineage && await PropertiesAsync(lineages.Blob(lineage), cancellationToken) is { } properties
            && Commits(properties) < LineageBlobs.MaxCommits)
        {
            return lineage;
        }

        return LineageBlobs.Name(accountId, hash);
    }

    private static int Commits(BlobProperties properties) =>
        properties.Metadata.TryGetValue(LineageBlobs.CommitsKey, out var value) && int.TryParse(value, out var commits) ? commits : 0;

    /// <summary>One attempt: (false, null) when the content has not arrived, (true, null) when
    /// another commit won a race, else the version.</summary>
    private async Task<(bool Arrived, LineageVersion? Version)> FindOrBuildAsync(
        string accountId, string hash, ChunkList list, ContentEntity? baseRow, string name, CancellationToken cancellationToken)
    {
        if ((await lineages.VersionsAsync(name, cancellationToken)).LastOrDefault(v => v.Content == hash) is { } frozen)
        {
            return (true, frozen); // made by an earlier attempt, or another check
        }

        var blob = lineages.Blob(name);
        var properties = await PropertiesAsync(blob, cancellationToken);
        if (properties is not null && LineageBlobs.Metadata(properties.Metadata, LineageBlobs.ContentKey) == hash)
        {
            // Committed as this content, not frozen yet (a crash in between).
            return (true, await FreezeAsync(blob, properties.ETag, LineageBlobs.Metadata(properties.Metadata, LineageBlobs.BuiltFromKey), cancellationToken));
        }

        var baseList = baseRow is null ? null : await lists.ReadAsync(accountId, baseRow.Hash, cancellationToken);
        var committed = properties is null ? [] : (await blob.GetBlockListAsync(BlockListTypes.Committed, cancellationToken: cancellationToken)).Value.CommittedBlocks
            .Select(b => b.Name).ToHashSet(StringComparer.Ordinal);
        var reusable = baseRow?.Blob == name && baseList is not null ? await ReusableAsync(blob.WithSnapshot(baseRow.Snapshot!), baseList, committed, cancellationToken) : null;
        var blocks = PlanBlocks(list, baseList?.Offsets(), reusable, out var stagedBytes);
        var staging = lists.Staging(accountId, hash);
        if (stagedBytes > 0 && (await PropertiesAsync(staging, cancellationToken))?.ContentLength != stagedBytes)
        {
            return (false, null); // the device has not sent (or finished) its new chunks
        }

        var stagingUrl = stagedBytes > 0 ? (await sas.CopySourceUrlAsync(staging, cancellationToken)).Url : null;
        var baseUrl = blocks.Any(b => b.Source == BlockSource.Base) ? (await sas.CopySourceUrlAsync(blobs.Checked(baseRow!), cancellationToken)).Url : null;
        var builtFrom = baseList is null ? LineageBlobs.NoBase : baseRow!.Hash;
        ETag committedETag;
        try
        {
            await Parallel.ForEachAsync(blocks.Where(b => b.Source != BlockSource.Committed), new ParallelOptions { MaxDegreeOfParallelism = CopiesInFlight, CancellationToken = cancellationToken }, async (block, ct) =>
                await blob.StageBlockFromUriAsync(block.Source == BlockSource.Base ? baseUrl! : stagingUrl!, block.Id,
                    new StageBlockFromUriOptions { SourceRange = new HttpRange(block.SourceOffset, block.Length) }, ct));
            committedETag = (await blob.CommitBlockListAsync(blocks.Select(b => b.Id), new CommitBlockListOptions
            {
                Metadata = new Dictionary<string, string>
                {
                    [LineageBlobs.ContentKey] = hash,
                    [LineageBlobs.BuiltFromKey] = builtFrom,
                    [LineageBlobs.CommitsKey] = ((properties is null ? 0 : Commits(properties)) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                },
                Conditions = properties is null ? new BlobRequestConditions { IfNoneMatch = ETag.All } : new BlobRequestConditions { IfMatch = properties.ETag },
            }, cancellationToken)).Value.ETag;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412 || e.ErrorCode == BlobErrorCode.InvalidBlockList)
        {
            return (true, null); // another version was committed (or the blob deleted) meanwhile
        }
        catch (RequestFailedException e) when (e.Status is 404 or 403 || e.ErrorCode == BlobErrorCode.CannotVerifyCopySource)
        {
            logger.LogInformation("Chunked content {Hash} of account {Account} could not be built ({Error}); it will be sent again.", hash, accountId, e.ErrorCode);
            return (false, null);
        }

        return (true, await FreezeAsync(blob, committedETag, builtFrom, cancellationToken));
    }

    /// <summary>Snapshots the version just committed; null when another commit came first.</summary>
    private async Task<LineageVersion?> FreezeAsync(BlockBlobClient blob, ETag committed, string? builtFrom, CancellationToken cancellationToken)
    {
        try
        {
            var snapshot = (await blob.CreateSnapshotAsync(conditions: new BlobRequestConditions { IfMatch = committed }, cancellationToken: cancellationToken)).Value.Snapshot;
            return new LineageVersion(snapshot, null, builtFrom);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return null;
        }
    }

    /// <summary>For each chunk hash, the block ids the base's checked snapshot holds it under
    /// (in order of position) that the lineage's current list still commits: these are reused
    /// as they are. Null when the snapshot's blocks are not the base's chunks one for one.</summary>
    private static async Task<Dictionary<string, Queue<string>>?> ReusableAsync(BlockBlobClient baseSnapshot, ChunkList baseList, HashSet<string> committed, CancellationToken cancellationToken)
    {
        var blocks = (await baseSnapshot.GetBlockListAsync(BlockListTypes.Committed, cancellationToken: cancellationToken)).Value.CommittedBlocks.ToList();
        if (blocks.Count != baseList.Chunks.Count)
        {
            return null;
        }

        var reusable = new Dictionary<string, Queue<string>>(StringComparer.Ordinal);
        foreach (var (block, chunk) in blocks.Zip(baseList.Chunks))
        {
            if (block.SizeLong != chunk.Length)
            {
                return null;
            }

            if (committed.Contains(block.Name))
            {
                (reusable.TryGetValue(chunk.Hash!, out var ids) ? ids : reusable[chunk.Hash!] = new()).Enqueue(block.Name);
            }
        }

        return reusable;
    }

    private enum BlockSource
    {
        Committed,
        Base,
        Staging,
    }

    private sealed record Block(string Id, BlockSource Source, long SourceOffset, long Length);

    /// <summary>One block per chunk, in order: a committed block of the base where there is one
    /// left for this occurrence (an id appears once in a list), else a copy from the base's
    /// checked blob where the base has the chunk, else a copy from the staging blob (which holds
    /// each new chunk once, in the order they first appear).</summary>
    private static List<Block> PlanBlocks(ChunkList list, Dictionary<string, (long Offset, long Length)>? baseOffsets, Dictionary<string, Queue<string>>? reusable, out long stagedBytes)
    {
        var build = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var staged = new Dictionary<string, long>(StringComparer.Ordinal);
        var occurrences = new Dictionary<string, int>(StringComparer.Ordinal);
        var blocks = new List<Block>(list.Chunks.Count);
        stagedBytes = 0;
        foreach (var chunk in list.Chunks)
        {
            var hash = chunk.Hash!;
            var occurrence = occurrences[hash] = occurrences.GetValueOrDefault(hash) + 1;
            // Same length for every id (storage requires it), never used before (a random build id).
            var newId = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes($"{build}:{hash}:{occurrence}")));
            if (reusable is not null && reusable.TryGetValue(hash, out var ids) && ids.TryDequeue(out var id))
            {
                blocks.Add(new Block(id, BlockSource.Committed, 0, chunk.Length));
            }
            else if (baseOffsets is not null && baseOffsets.TryGetValue(hash, out var at))
            {
                blocks.Add(new Block(newId, BlockSource.Base, at.Offset, chunk.Length));
            }
            else
            {
                if (!staged.TryGetValue(hash, out var offset))
                {
                    offset = staged[hash] = stagedBytes;
                    stagedBytes += chunk.Length;
                }

                blocks.Add(new Block(newId, BlockSource.Staging, offset, chunk.Length));
            }
        }

        return blocks;
    }

    /// <summary>The base's checked content, when the base is content of the account the backend
    /// checked (a device names it; anything else reuses nothing).</summary>
    private async Task<ContentEntity?> CheckedBaseAsync(string accountId, string? baseHash, CancellationToken cancellationToken)
    {
        if (baseHash is null)
        {
            return null;
        }

        var row = await accounts.Table.GetEntityIfExistsAsync<ContentEntity>(accountId, ContentEntity.RowFor(baseHash), cancellationToken: cancellationToken);
        return row is { HasValue: true, Value.IsVerified: true } ? row.Value : null;
    }

    /// <summary>Reads and hashes, from the version's snapshot, each chunk the base it was built
    /// from does not hold; the identity when all match.</summary>
    private async Task<BuildCheck?> CheckAsync(string accountId, ChunkList list, string name, LineageVersion version, CancellationToken cancellationToken)
    {
        var snapshot = lineages.Blob(name).WithSnapshot(version.Snapshot);
        if (await PropertiesAsync(snapshot, cancellationToken) is not { } properties)
        {
            return null; // released meanwhile
        }

        var size = list.Chunks.Sum(c => c.Length);
        if (properties.ContentLength != size)
        {
            return new BuildCheck(properties.ContentLength, null, 0, name, version.Snapshot);
        }

        var builtFrom = version.BuiltFrom;
        var reused = builtFrom is null or LineageBlobs.NoBase ? null : (await lists.ReadAsync(accountId, builtFrom, cancellationToken))?.Offsets();
        long offset = 0, read = 0;
        var toRead = new List<(long Offset, ChunkRef Chunk)>();
        foreach (var chunk in list.Chunks)
        {
            if (reused is null || !reused.ContainsKey(chunk.Hash!))
            {
                toRead.Add((offset, chunk));
            }

            offset += chunk.Length;
        }

        foreach (var range in Contiguous(toRead))
        {
            var download = await snapshot.DownloadStreamingAsync(new BlobDownloadOptions { Range = new HttpRange(range[0].Offset, range.Sum(c => c.Chunk.Length)) }, cancellationToken);
            await using var stream = download.Value.Content;
            foreach (var (_, chunk) in range)
            {
                var actual = await HashAsync(stream, chunk.Length, cancellationToken);
                read += chunk.Length;
                if (actual != chunk.Hash)
                {
                    return new BuildCheck(size, null, read, name, version.Snapshot);
                }
            }
        }

        return new BuildCheck(size, ChunkListHash.Of(list.Chunks), read, name, version.Snapshot);
    }

    private static IEnumerable<List<(long Offset, ChunkRef Chunk)>> Contiguous(List<(long Offset, ChunkRef Chunk)> chunks)
    {
        var range = new List<(long Offset, ChunkRef Chunk)>();
        long length = 0;
        foreach (var item in chunks)
        {
            if (range.Count > 0 && (range[^1].Offset + range[^1].Chunk.Length != item.Offset || length >= MaxReadBytes))
            {
                yield return range;
                (range, length) = ([], 0);
            }

            range.Add(item);
            length += item.Chunk.Length;
        }

        if (range.Count > 0)
        {
            yield return range;
        }
    }

    private static async Task<string> HashAsync(Stream stream, long length, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[(int)Math.Min(length, 1 << 20)];
        while (length > 0)
        {
            var count = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length)), cancellationToken);
            if (count == 0)
            {
                break;
            }

            hash.AppendData(buffer, 0, count);
            length -= count;
        }

        return length == 0 ? Convert.ToHexStringLower(hash.GetHashAndReset()) : "";
    }

    private static async Task<BlobProperties?> PropertiesAsync(BlobBaseClient blob, CancellationToken cancellationToken)
    {
        try
        {
            return (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }
}

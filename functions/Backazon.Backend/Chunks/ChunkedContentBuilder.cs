using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Backazon.Backend.Accounts;
using Backazon.Backend.Storage;
using Backazon.Backend.Uploads;
using Backazon.Contracts;
using Microsoft.Extensions.Logging;

namespace Backazon.Backend.Chunks;

/// <summary>What a build's check found: the blob's length and its identity as checked (null: a
/// chunk is not what the list says), and how many bytes the check read.</summary>
public sealed record BuildCheck(long Length, string? Hash, long BytesRead);

/// <summary>
/// Builds chunked content's blob from chunks (server-side, with Put Block From URL) and checks it
/// by reading only the chunks the device sent.
/// <para>
/// Why this holds although block ids and copy ranges are whatever a device says: no device ever
/// gets a SAS for a chunked content's blob. Its grant names a staging blob, and only the backend
/// writes the content blob: the chunks the named base holds come from that base's checked blob at
/// the offsets of the base's own chunk list (which this check confirmed when the base was made);
/// every other chunk comes from the staging blob. The block list is committed only if the blob
/// does not exist (If-None-Match: *), so nothing, not even a second build, ever rewrites content
/// once there; the blob records the base it was built from. The check then reads, from the
/// content blob itself, every chunk that base does not hold (a device may rewrite its staging blob
/// between copies, so each position is read, not each distinct chunk) and hashes it. The reused
/// chunks are covered by the earlier check, the rest by this one, so the identity, the hash of
/// the list, covers every byte. A lease could not do this: a write SAS may break it.
/// </para>
/// </summary>
public sealed class ChunkedContentBuilder(AccountStore accounts, ContentBlobs blobs, ChunkLists lists, SasIssuer sas, ILogger<ChunkedContentBuilder> logger)
{
    /// <summary>The most bytes one block copies: contiguous chunks from one source go together
    /// up to this, so a small edit costs a few copies, not one per chunk.</summary>
    public const long MaxCopyBytes = 256L * 1024 * 1024;

    private const string BaseMetadata = "base";
    private const string NoBase = "none";
    private const int CopiesInFlight = 4;

    /// <summary>Builds the blob when it is not there yet, then checks it. Null when the content
    /// has not arrived: no chunk list, a staging blob missing or short, a source gone.</summary>
    public async Task<BuildCheck?> BuildAndCheckAsync(string accountId, string hash, CancellationToken cancellationToken = default)
    {
        if (await lists.ReadAsync(accountId, hash, cancellationToken) is not { } list)
        {
            return null;
        }

        var target = blobs.Container.GetBlockBlobClient(ContentBlobs.Name(accountId, hash));
        if (await PropertiesAsync(target, cancellationToken) is null && !await BuildAsync(accountId, hash, list, target, cancellationToken))
        {
            return null;
        }

        var check = await CheckAsync(accountId, list, target, cancellationToken);
        if (check?.Hash is not null)
        {
            await lists.DeleteStagingAsync(accountId, hash, cancellationToken); // every new chunk is in the content now
        }

        return check;
    }

    private async Task<bool> BuildAsync(string accountId, string hash, ChunkList list, BlockBlobClient target, CancellationToken cancellationToken)
    {
        var baseBlob = await CheckedBaseAsync(accountId, list.Base, cancellationToken);
        var baseOffsets = baseBlob is null ? null : (await lists.ReadAsync(accountId, list.Base!, cancellationToken))?.Offsets();
        var copies = PlanCopies(list, baseOffsets, out var stagedBytes);
        var staging = lists.Staging(accountId, hash);
        if (stagedBytes > 0 && (await PropertiesAsync(staging, cancellationToken))?.ContentLength != stagedBytes)
        {
            return false; // the device has not sent (or finished) its new chunks
        }

        var stagingUrl = stagedBytes > 0 ? (await sas.CopySourceUrlAsync(staging, cancellationToken)).Url : null;
        var baseUrl = baseOffsets is not null ? (await sas.CopySourceUrlAsync(baseBlob!, cancellationToken)).Url : null;
        try
        {
            await Parallel.ForEachAsync(copies, new ParallelOptions { MaxDegreeOfParallelism = CopiesInFlight, CancellationToken = cancellationToken }, async (copy, ct) =>
                await target.StageBlockFromUriAsync(copy.FromBase ? baseUrl! : stagingUrl!, copy.BlockId,
                    new StageBlockFromUriOptions { SourceRange = new HttpRange(copy.SourceOffset, copy.Length) }, ct));
            await target.CommitBlockListAsync(copies.Select(c => c.BlockId), new CommitBlockListOptions
            {
                Metadata = new Dictionary<string, string> { [BaseMetadata] = baseOffsets is null ? NoBase : list.Base! },
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409 && e.ErrorCode == BlobErrorCode.BlobAlreadyExists)
        {
            // Built meanwhile by another check of the same content: that blob is the one checked.
        }
        catch (RequestFailedException e) when (e.Status is 404 or 403 || e.ErrorCode == BlobErrorCode.CannotVerifyCopySource)
        {
            logger.LogInformation("Chunked content {Hash} of account {Account} could not be built ({Error}); it will be sent again.", hash, accountId, e.ErrorCode);
            return false;
        }

        return true;
    }

    /// <summary>The base's checked blob, when the base is content of the account the backend
    /// checked (a device names it; anything else reuses nothing).</summary>
    private async Task<BlobClient?> CheckedBaseAsync(string accountId, string? baseHash, CancellationToken cancellationToken)
    {
        if (baseHash is null)
        {
            return null;
        }

        var row = await accounts.Table.GetEntityIfExistsAsync<ContentEntity>(accountId, ContentEntity.RowFor(baseHash), cancellationToken: cancellationToken);
        return row is { HasValue: true, Value.IsVerified: true } ? blobs.Checked(accountId, baseHash, row.Value!.Snapshot) : null;
    }

    private sealed record Copy(string BlockId, bool FromBase, long SourceOffset, long Length);

    /// <summary>The block copies that make the content, in order: each chunk from the base where
    /// the base has it, else from the staging blob (which holds each new chunk once, in the order
    /// they first appear); neighbours from one source that sit together there are merged.</summary>
    private static List<Copy> PlanCopies(ChunkList list, Dictionary<string, (long Offset, long Length)>? baseOffsets, out long stagedBytes)
    {
        var staged = new Dictionary<string, long>(StringComparer.Ordinal);
        stagedBytes = 0;
        var runs = new List<(bool FromBase, long Offset, long Length, List<string> Hashes)>();
        foreach (var chunk in list.Chunks)
        {
            long source;
            var fromBase = baseOffsets is not null && baseOffsets.ContainsKey(chunk.Hash!);
            if (fromBase)
            {
                source = baseOffsets![chunk.Hash!].Offset;
            }
            else if (!staged.TryGetValue(chunk.Hash!, out source))
            {
                source = staged[chunk.Hash!] = stagedBytes;
                stagedBytes += chunk.Length;
            }

            if (runs.Count > 0 && runs[^1] is var last && last.FromBase == fromBase && last.Offset + last.Length == source && last.Length + chunk.Length <= MaxCopyBytes)
            {
                runs[^1] = last with { Length = last.Length + chunk.Length };
                last.Hashes.Add(chunk.Hash!);
            }
            else
            {
                runs.Add((fromBase, source, chunk.Length, [chunk.Hash!]));
            }
        }

        // Block ids only need to be unique in the blob and of one length: the copy's number and
        // its chunks, hashed.
        return runs.Select((run, i) => new Copy(
            Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes($"{i}:{string.Join(',', run.Hashes)}"))),
            run.FromBase, run.Offset, run.Length)).ToList();
    }

    /// <summary>Reads and hashes, from the content blob, each chunk the base it was built from
    /// does not hold; the identity when all match.</summary>
    private async Task<BuildCheck?> CheckAsync(string accountId, ChunkList list, BlockBlobClient target, CancellationToken cancellationToken)
    {
        if (await PropertiesAsync(target, cancellationToken) is not { } properties)
        {
            return null; // released meanwhile
        }

        var size = list.Chunks.Sum(c => c.Length);
        if (properties.ContentLength != size)
        {
            return new BuildCheck(properties.ContentLength, null, 0);
        }

        var builtFrom = properties.Metadata.TryGetValue(BaseMetadata, out var recorded) ? recorded : null;
        var reused = builtFrom is null or NoBase ? null : (await lists.ReadAsync(accountId, builtFrom, cancellationToken))?.Offsets();
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
            var download = await target.DownloadStreamingAsync(new BlobDownloadOptions { Range = new HttpRange(range[0].Offset, range.Sum(c => c.Chunk.Length)) }, cancellationToken);
            await using var stream = download.Value.Content;
            foreach (var (_, chunk) in range)
            {
                var actual = await HashAsync(stream, chunk.Length, cancellationToken);
                read += chunk.Length;
                if (actual != chunk.Hash)
                {
                    return new BuildCheck(size, null, read);
                }
            }
        }

        return new BuildCheck(size, ChunkListHash.Of(list.Chunks), read);
    }

    private static IEnumerable<List<(long Offset, ChunkRef Chunk)>> Contiguous(List<(long Offset, ChunkRef Chunk)> chunks)
    {
        var range = new List<(long Offset, ChunkRef Chunk)>();
        long length = 0;
        foreach (var item in chunks)
        {
            if (range.Count > 0 && (range[^1].Offset + range[^1].Chunk.Length != item.Offset || length >= MaxCopyBytes))
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

using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Backazon.Contracts;
using Backazon.Uploader.Index;
using Backazon.Uploader.Planning;

namespace Backazon.Uploader.Uploading;

/// <summary>
/// Asks the backend for a fresh upload URL for the same content (a SAS that ran out, a blob
/// that turned out to exist): the new URL, or null when the backend says nothing needs sending.
/// </summary>
public delegate Task<Uri?> RenewUpload(CancellationToken cancellationToken);

/// <summary>
/// Sends one file's bytes straight to Blob Storage with its grant's SAS URL, at its content name.
/// Content up to <see cref="BackupLimits.SinglePutMaxBytes"/> goes in one request through a
/// create-only SAS, hashed again just before, so a file rewritten since it was hashed is caught
/// before its commit. Larger content goes as numbered blocks, a few in flight; each staged block
/// is recorded in the local index with its SHA-256, so an upload interrupted by a kill, a sleep or
/// an expired SAS goes on from the blocks already in storage, and the block list is committed
/// last — only when every byte read on the way hashes to what was granted.
/// </summary>
public sealed class BlobSender(LocalIndex index, BlobClientOptions? clientOptions = null, UploadPace? pace = null)
{
    public const int BlocksInFlight = 4;
    public const int MinBlockSize = 4 * 1024 * 1024;

    // Azure holds at most 50,000 blocks per blob: huge files get larger blocks.
    private const int MaxBlocks = 50_000;
    private const int MaxAttempts = 4;

    private readonly BlobClientOptions _clientOptions = clientOptions ?? new BlobClientOptions();
    private readonly UploadPace _pace = pace ?? UploadPace.Unlimited;

    /// <summary>The block size for content of <paramref name="size"/> bytes: a whole number of
    /// MiB, the same on every run, so staged blocks stay valid.</summary>
    public static int BlockSizeFor(long size)
    {
        const long MiB = 1024 * 1024;
        var needed = (size + MaxBlocks - 1) / MaxBlocks;
        return (int)Math.Max(MinBlockSize, (needed + MiB - 1) / MiB * MiB);
    }

    /// <summary>Block ids are the block's number, fixed-width (Azure wants one length per blob).</summary>
    public static string BlockId(int block) => Convert.ToBase64String(Encoding.ASCII.GetBytes($"bkz-{block:D6}"));

    /// <exception cref="FileChangedException">The file is not what was hashed any more.</exception>
    /// <exception cref="RequestFailedException">Storage refused for good.</exception>
    /// <param name="sent">bytes sent, as they go</param>
    /// <param name="alreadyThere">bytes that need no sending: blocks staged by an earlier run</param>
    /// <param name="held">chunked content: the chunks the account holds, which are not sent</param>
    public async Task SendAsync(string localPath, FileDigest expected, Uri uploadUrl, IReadOnlyCollection<string> held, RenewUpload renew, Action<long> sent, Action<long> alreadyThere,
        CancellationToken cancellationToken)
    {
        if (expected.Chunks is not null)
        {
            await SendChunksAsync(localPath, expected, held, uploadUrl, renew, sent, alreadyThere, cancellationToken);
        }
        else if (expected.Size <= BackupLimits.SinglePutMaxBytes)
        {
            await PutAsync(localPath, expected, uploadUrl, renew, sent, cancellationToken);
        }
        else
        {
            await SendBlocksAsync(localPath, expected, uploadUrl, renew, sent, alreadyThere, cancellationToken);
        }

        var after = new FileInfo(localPath);
        if (after.Length != expected.Size || after.LastWriteTimeUtc != expected.ModifiedAt.UtcDateTime)
        {
            throw new FileChangedException(localPath, "it changed while it was sent");
        }
    }

    /// <summary>One Put Blob of the bytes just read and checked against the hash (small content
    /// is held in memory for it: the SDK sends a known-length body in one request). A create-only
    /// SAS cannot overwrite: when the blob is there already (an earlier attempt whose answer was
    /// lost, another device) or the SAS ran out, the backend is asked again and says whether
    /// anything still needs sending.</summary>
    private async Task PutAsync(string localPath, FileDigest expected, Uri url, RenewUpload renew, Action<long> sent, CancellationToken cancellationToken)
    {
        var bytes = await File.ReadAllBytesAsync(localPath, cancellationToken);
        if (bytes.Length != expected.Size || Convert.ToHexStringLower(SHA256.HashData(bytes)) != expected.Hash)
        {
            throw new FileChangedException(localPath, "what would be sent differs from what was hashed");
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // A block blob client's Upload is always one Put Blob, whatever the size (the
                // generic client would switch to blocks at its threshold, which a create-only SAS
                // refuses).
                await new BlockBlobClient(url, _clientOptions).UploadAsync(new PacedStream(new MemoryStream(bytes, writable: false), _pace),
                    new BlobUploadOptions { ProgressHandler = new DeltaProgress(sent) }, cancellationToken);
                return;
            }
            catch (RequestFailedException e) when (e.Status is 403 or 409 && attempt < MaxAttempts)
            {
                if (await renew(cancellationToken) is not { } renewed)
                {
                    return;
                }

                url = renewed;
            }
        }
    }

    /// <summary>
    /// Reads the file once, in block order, through SHA-256, and stages each block storage does
    /// not hold yet (a few in flight); commits the block list only when the bytes read — which are
    /// the bytes sent, or bytes that match what an earlier run sent — hash to what was granted.
    /// A file rewritten since it was hashed (even with its old size and time) is so caught here,
    /// before its commit, instead of failing the backend's check and counting against the device.
    /// A 403 (the SAS ran out) renews the URL once for all blocks in flight and goes on.
    /// </summary>
    private async Task SendBlocksAsync(string localPath, FileDigest expected, Uri url, RenewUpload renew, Action<long> sent, Action<long> alreadyThere,
        CancellationToken cancellationToken)
    {
        var blockSize = BlockSizeFor(expected.Size);
        var count = (int)((expected.Size + blockSize - 1) / blockSize);
        var target = new UrlHolder(url, renew, _clientOptions);
        for (var round = 1; ; round++)
        {
            var staged = index.StagedBlockDigests(expected.Hash);
            if (round == 1)
            {
                alreadyThere(staged.Keys.Where(b => b < count).Sum(b => Math.Min(blockSize, expected.Size - (long)b * blockSize)));
            }

            var read = await StageInOrderAsync(localPath, expected, blockSize, count, staged, target, sent, cancellationToken);
            if (read != expected.Hash)
            {
                // What went is not what was granted: drop the record of it, and send nothing more.
                index.ClearStagedBlocks(expected.Hash);
                throw new FileChangedException(localPath, "what was sent differs from what was hashed");
            }

            if (target.NothingToSend)
            {
                return;
            }

            try
            {
                await target.WithRenewalAsync(client => client.CommitBlockListAsync(Enumerable.Range(0, count).Select(BlockId), cancellationToken: cancellationToken), cancellationToken);
                index.ClearStagedBlocks(expected.Hash);
                return;
            }
            catch (RequestFailedException e) when (e.ErrorCode == "InvalidBlockList" && round == 1)
            {
                // Blocks the index remembers are gone (a rejected upload removed, or storage
                // expired them): send them all again, once.
                index.ClearStagedBlocks(expected.Hash);
            }
        }
    }

    /// <summary>One sequential read of the file's blocks, hashed in order, staging those that are
    /// not staged yet or whose bytes differ from what was staged; returns the SHA-256 of all the
    /// bytes read. The first staging that fails stops the read.</summary>
    private async Task<string> StageInOrderAsync(string localPath, FileDigest expected, int blockSize, int count, Dictionary<int, string?> staged,
        UrlHolder target, Action<long> sent, CancellationToken cancellationToken)
    {
        using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var slots = new SemaphoreSlim(BlocksInFlight);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var staging = new List<Task>();
        using (var handle = File.OpenHandle(localPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous))
        {
            try
            {
                for (var block = 0; block < count; block++)
                {
                    await slots.WaitAsync(failed.Token);
                    var offset = (long)block * blockSize;
                    var length = (int)Math.Min(blockSize, expected.Size - offset);
                    var buffer = ArrayPool<byte>.Shared.Rent(length);
                    var handedOver = false;
                    try
                    {
                        await ReadExactlyAsync(handle, buffer.AsMemory(0, length), offset, localPath, failed.Token);
                        whole.AppendData(buffer, 0, length);
                        var digest = Convert.ToHexStringLower(SHA256.HashData(buffer.AsSpan(0, length)));
                        if (!staged.TryGetValue(block, out var before) || before != digest)
                        {
                            staging.Add(StageAsync(block, buffer, length, digest));
                            handedOver = true;
                        }
                    }
                    finally
                    {
                        if (!handedOver)
                        {
                            ArrayPool<byte>.Shared.Return(buffer);
                            slots.Release();
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (failed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // A staging failed: its error is the one to report, below.
            }
            catch
            {
                // The read failed: the blocks in flight stop too, and own their buffers till then.
                await failed.CancelAsync();
                await Task.WhenAll(staging).ContinueWith(_ => { }, TaskScheduler.Default);
                throw;
            }

            await Task.WhenAll(staging);
        }

        return Convert.ToHexStringLower(whole.GetHashAndReset());

        async Task StageAsync(int block, byte[] buffer, int length, string digest)
        {
            try
            {
                await target.WithRenewalAsync(async client =>
                {
                    using var content = new PacedStream(new MemoryStream(buffer, 0, length, writable: false), _pace);
                    await client.StageBlockAsync(BlockId(block), content, new BlockBlobStageBlockOptions { ProgressHandler = new DeltaProgress(sent) }, failed.Token);
                }, failed.Token);
                index.AddStagedBlock(expected.Hash, block, digest);
            }
            catch
            {
                await failed.CancelAsync();
                throw;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
                slots.Release();
            }
        }
    }

    /// <summary>The block id of a run of chunks: the SHA-256 of their hashes, so a staged run is
    /// found again by what it holds (one length for every id, as Azure wants).</summary>
    public static string ChunksBlockId(IEnumerable<string> chunkHashes) =>
        Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(string.Join(',', chunkHashes))));

    /// <summary>
    /// Chunked content: stages each chunk the account does not hold, once, in the order they first
    /// appear, into the grant's staging blob, and commits that list (the backend builds the content
    /// from it and from the chunks it holds). Neighbouring new chunks go together as one block of
    /// up to <see cref="MinBlockSize"/>, so a first backup costs a request per 4 MiB, not per
    /// chunk. Each chunk is hashed again as it is read, so a file rewritten since it was hashed is
    /// caught before a byte of it goes. Staged blocks are recorded in the index (by their first
    /// chunk) as for block uploads: a new run goes on from them.
    /// </summary>
    private async Task SendChunksAsync(string localPath, FileDigest expected, IReadOnlyCollection<string> held, Uri url, RenewUpload renew,
        Action<long> sent, Action<long> alreadyThere, CancellationToken cancellationToken)
    {
        var chunks = expected.Chunks!;
        var offsets = new long[chunks.Count];
        for (var i = 1; i < chunks.Count; i++)
        {
            offsets[i] = offsets[i - 1] + chunks[i - 1].Length;
        }

        var holds = held.ToHashSet(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var groups = new List<(List<int> Chunks, long Length)>();
        foreach (var i in Enumerable.Range(0, chunks.Count).Where(i => !holds.Contains(chunks[i].Hash!) && seen.Add(chunks[i].Hash!)))
        {
            if (groups.Count > 0 && groups[^1] is var last && last.Chunks[^1] + 1 == i && last.Length + chunks[i].Length <= MinBlockSize)
            {
                last.Chunks.Add(i);
                groups[^1] = last with { Length = last.Length + chunks[i].Length };
            }
            else
            {
                groups.Add(([i], chunks[i].Length));
            }
        }

        var ids = groups.Select(g => ChunksBlockId(g.Chunks.Select(i => chunks[i].Hash!))).ToList();
        var target = new UrlHolder(url, renew, _clientOptions);
        for (var round = 1; ; round++)
        {
            var staged = index.StagedBlocks(expected.Hash);
            var missing = Enumerable.Range(0, groups.Count).Where(g => !staged.Contains(groups[g].Chunks[0])).ToList();
            if (round == 1)
            {
                alreadyThere(expected.Size - missing.Sum(g => groups[g].Length));
            }

            using (var handle = File.OpenHandle(localPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous))
            {
                await Parallel.ForEachAsync(missing, new ParallelOptions { MaxDegreeOfParallelism = BlocksInFlight, CancellationToken = cancellationToken }, async (g, ct) =>
                {
                    var (members, groupLength) = groups[g];
                    var length = (int)groupLength;
                    var buffer = ArrayPool<byte>.Shared.Rent(length);
                    try
                    {
                        await ReadExactlyAsync(handle, buffer.AsMemory(0, length), offsets[members[0]], localPath, ct);
                        foreach (var i in members)
                        {
                            var at = (int)(offsets[i] - offsets[members[0]]);
                            if (Convert.ToHexStringLower(SHA256.HashData(buffer.AsSpan(at, (int)chunks[i].Length))) != chunks[i].Hash)
                            {
                                throw new FileChangedException(localPath, "what would be sent differs from what was hashed");
                            }
                        }

                        await target.WithRenewalAsync(async client =>
                        {
                            using var content = new PacedStream(new MemoryStream(buffer, 0, length, writable: false), _pace);
                            await client.StageBlockAsync(ids[g], content, new BlockBlobStageBlockOptions { ProgressHandler = new DeltaProgress(sent) }, ct);
                        }, ct);
                        index.AddStagedBlock(expected.Hash, members[0]);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }
                });
            }

            if (target.NothingToSend || groups.Count == 0)
            {
                return; // stored meanwhile, or every chunk is held: the backend copies them all
            }

            try
            {
                await target.WithRenewalAsync(client => client.CommitBlockListAsync(ids, cancellationToken: cancellationToken), cancellationToken);
                index.ClearStagedBlocks(expected.Hash);
                return;
            }
            catch (RequestFailedException e) when (e.ErrorCode == "InvalidBlockList" && round == 1)
            {
                index.ClearStagedBlocks(expected.Hash); // staged blocks gone (expired, or a rejected upload removed): send all again, once
            }
        }
    }

    private static async Task ReadExactlyAsync(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Memory<byte> buffer, long offset, string localPath, CancellationToken cancellationToken)
    {
        var done = 0;
        while (done < buffer.Length)
        {
            var read = await RandomAccess.ReadAsync(handle, buffer[done..], offset + done, cancellationToken);
            if (read == 0)
            {
                throw new FileChangedException(localPath, "it shrank while it was sent");
            }

            done += read;
        }
    }

    /// <summary>The current upload URL of one block upload, renewed once for all the blocks that
    /// found it expired together.</summary>
    private sealed class UrlHolder(Uri url, RenewUpload renew, BlobClientOptions options)
    {
        private readonly SemaphoreSlim _renewing = new(1, 1);
        private Uri _url = url;
        private int _generation;

        public bool NothingToSend { get; private set; }

        public async Task WithRenewalAsync(Func<BlockBlobClient, Task> action, CancellationToken cancellationToken)
        {
            for (var attempt = 1; ; attempt++)
            {
                if (NothingToSend)
                {
                    return;
                }

                var generation = Volatile.Read(ref _generation);
                try
                {
                    await action(new BlockBlobClient(_url, options));
                    return;
                }
                catch (RequestFailedException e) when (e.Status == 403 && attempt < MaxAttempts)
                {
                    await RenewAsync(generation, cancellationToken);
                }
            }
        }

        private async Task RenewAsync(int seen, CancellationToken cancellationToken)
        {
            await _renewing.WaitAsync(cancellationToken);
            try
            {
                if (_generation != seen)
                {
                    return; // another block renewed it meanwhile
                }

                if (await renew(cancellationToken) is { } renewed)
                {
                    _url = renewed;
                }
                else
                {
                    NothingToSend = true;
                }

                _generation++;
            }
            finally
            {
                _renewing.Release();
            }
        }
    }

    /// <summary>Turns the SDK's running totals (reported from parallel parts, possibly out of
    /// order) into byte deltas, synchronously. Bytes of an attempt that failed were sent all the same
    /// and stay counted.</summary>
    private sealed class DeltaProgress(Action<long> sent) : IProgress<long>
    {
        private long _reported;

        public void Report(long total)
        {
            long delta;
            lock (this)
            {
                delta = total - _reported;
                if (delta <= 0)
                {
                    return;
                }

                _reported = total;
            }

            sent(delta);
        }
    }
}

using System.Buffers;

namespace Backazon.Uploader.Planning;

/// <summary>
/// A file's content identity (<see cref="ContentIdentity"/>: its SHA-256, or its chunk list's
/// hash for chunked sizes, with the chunks), read once, sequentially, in 1 MiB pieces. A file whose size or
/// modification time (or, where the system tells, change time and inode) differs after the read from before it — or that yields more or fewer bytes
/// than its size said — throws <see cref="FileChangedException"/>.
/// </summary>
public static class ContentHasher
{
    public const int BufferSize = 1024 * 1024;

    /// <param name="progress">Called with the byte count of each piece read, for progress views.</param>
    /// <exception cref="FileChangedException">The file changed while it was read.</exception>
    public static async Task<FileDigest> HashAsync(
        string localPath,
        Action<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        // FileInfo reads lazily: take the "before" values now, not after the read.
        var before = new FileInfo(localPath);
        var sizeBefore = before.Length;
        var modifiedBefore = before.LastWriteTimeUtc;
        var stampBefore = Scanning.UnixStat.StampOf(localPath);
        var options = new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            // Others may keep writing: we detect that rather than lock them out.
            Share = FileShare.ReadWrite | FileShare.Delete,
            Options = FileOptions.SequentialScan | FileOptions.Asynchronous,
            BufferSize = 0, // our 1 MiB reads need no second buffer
        };

        using var identity = ContentIdentity.For(sizeBefore);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long read = 0;
        try
        {
            await using var stream = new FileStream(localPath, options);
            int count;
            while ((count = await stream.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                identity.Append(buffer.AsSpan(0, count));
                read += count;
                if (read > sizeBefore)
                {
                    // Stop now: a file that keeps growing (a busy log) would otherwise be read forever.
                    throw new FileChangedException(localPath, $"it grew past {sizeBefore} bytes while it was read");
                }

                progress?.Invoke(count);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var after = new FileInfo(localPath);
        if (!after.Exists)
        {
            throw new FileChangedException(localPath, "it was deleted");
        }

        if (after.Length != sizeBefore || read != sizeBefore)
        {
            throw new FileChangedException(localPath, $"size {sizeBefore} before, {read} read, {after.Length} after");
        }

        if (after.LastWriteTimeUtc != modifiedBefore)
        {
            throw new FileChangedException(localPath, "modified during the read");
        }

        // A writer that puts the old modification time back still moves the change time.
        if (stampBefore is not null && Scanning.UnixStat.StampOf(localPath) != stampBefore)
        {
            throw new FileChangedException(localPath, "rewritten during the read");
        }

        var (hash, chunks) = identity.Finish();
        return new FileDigest(hash, read, new DateTimeOffset(modifiedBefore.Ticks, TimeSpan.Zero), chunks, stampBefore);
    }
}

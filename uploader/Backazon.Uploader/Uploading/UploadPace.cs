using System.Threading.RateLimiting;

namespace Backazon.Uploader.Uploading;

/// <summary>
/// The most a backup may upload per second, shared by every upload of the run (a token bucket
/// refilled ten times a second). The limit can change while a run goes on: a running agent
/// follows the config file within seconds. Zero is no limit.
/// </summary>
public sealed class UploadPace : IDisposable
{
    private static readonly TimeSpan Refill = TimeSpan.FromMilliseconds(100);
    private readonly Lock _lock = new();
    private TokenBucketRateLimiter? _limiter;
    private long _bytesPerSecond;

    public UploadPace(long bytesPerSecond = 0) => BytesPerSecond = bytesPerSecond;

    public static UploadPace Unlimited => new();

    public long BytesPerSecond
    {
        get => Volatile.Read(ref _bytesPerSecond);
        set
        {
            lock (_lock)
            {
                if (value == _bytesPerSecond && (_limiter is not null || value == 0))
                {
                    return;
                }

                var old = _limiter;
                _bytesPerSecond = Math.Max(0, value);
                _limiter = _bytesPerSecond == 0 ? null : new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
                {
                    TokenLimit = PerRefill(_bytesPerSecond),
                    TokensPerPeriod = PerRefill(_bytesPerSecond),
                    ReplenishmentPeriod = Refill,
                    QueueLimit = int.MaxValue,
                    QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                    AutoReplenishment = true,
                });
                old?.Dispose(); // its waiters are let go and ask the new bucket
            }
        }
    }

    /// <summary>The most one read may take at once: a refill's worth, at most 64 KiB.</summary>
    public int MaxChunk => _limiter is { } limiter ? Math.Min(64 * 1024, PerRefill(BytesPerSecond)) : int.MaxValue;

    /// <summary>Waits until <paramref name="bytes"/> may be sent.</summary>
    public async ValueTask TakeAsync(int bytes, CancellationToken cancellationToken)
    {
        while (Volatile.Read(ref _limiter) is { } limiter)
        {
            var permits = Math.Min(bytes, PerRefill(BytesPerSecond));
            try
            {
                using var lease = await limiter.AcquireAsync(permits, cancellationToken);
                if (lease.IsAcquired)
                {
                    return;
                }
            }
            catch (ObjectDisposedException)
            {
            }
            catch (ArgumentOutOfRangeException)
            {
                // The bucket was replaced by a smaller one between the two reads: ask again.
            }
        }
    }

    private static int PerRefill(long bytesPerSecond) => (int)Math.Clamp(bytesPerSecond / 10, 1, int.MaxValue);

    public void Dispose()
    {
        lock (_lock)
        {
            _limiter?.Dispose();
            _limiter = null;
        }
    }
}

/// <summary>A read-only stream whose reads wait for the upload pace: what the storage SDK
/// reads from is what goes on the wire, so pacing the reads paces the upload.</summary>
public sealed class PacedStream(Stream inner, UploadPace pace) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => inner.CanSeek;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position { get => inner.Position; set => inner.Position = value; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var wanted = Math.Min(buffer.Length, pace.MaxChunk);
        await pace.TakeAsync(wanted, cancellationToken);
        return await inner.ReadAsync(buffer[..wanted], cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}

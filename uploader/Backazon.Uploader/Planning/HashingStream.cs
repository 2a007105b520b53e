using System.Security.Cryptography;

namespace Backazon.Uploader.Planning;

/// <summary>
/// A read-only, forward-only stream that hashes (SHA-256) every byte passing through it. The
/// upload step sends a file through one so it can compare what was actually sent with the hash
/// it asked a grant for: a file rewritten after hashing is caught before its commit.
/// </summary>
public sealed class HashingStream(Stream inner, bool leaveOpen = false) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private string? _hashHex;

    /// <summary>Bytes read through this stream so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>SHA-256 of everything read, lowercase hex; available once a read returned 0.</summary>
    /// <exception cref="InvalidOperationException">The end of the stream was not reached yet.</exception>
    public string HashHex => _hashHex ?? throw new InvalidOperationException("The stream has not been read to its end.");

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => Hashed(buffer, inner.Read(buffer));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var count = await inner.ReadAsync(buffer, cancellationToken);
        return Hashed(buffer.Span, count);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
            if (!leaveOpen)
            {
                inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private int Hashed(ReadOnlySpan<byte> buffer, int count)
    {
        if (count > 0)
        {
            _hash.AppendData(buffer[..count]);
            BytesRead += count;
        }
        else if (_hashHex is null && buffer.Length > 0)
        {
            _hashHex = Convert.ToHexStringLower(_hash.GetHashAndReset());
        }

        return count;
    }
}

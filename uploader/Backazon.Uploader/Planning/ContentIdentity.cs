using System.Security.Cryptography;
using Backazon.Contracts;
using Backazon.Uploader.Chunking;

namespace Backazon.Uploader.Planning;

/// <summary>
/// Computes a content's identity from its bytes as they stream by, whatever the pieces: the
/// SHA-256 of the bytes, or for chunked sizes (<see cref="BackupLimits.IsChunked"/>) the
/// <see cref="ChunkListHash"/> of its FastCDC chunks, which it also lists. The backup hashes files
/// with it and a restore checks what it downloaded with it, so both agree on every size.
/// </summary>
public sealed class ContentIdentity : IDisposable
{
    private readonly IncrementalHash? _whole;
    private readonly FastCdc? _cdc;
    private readonly ChunkListHash? _list;
    private readonly List<ChunkRef>? _chunks;
    private readonly byte[]? _buffer;
    private int _start, _end;

    private ContentIdentity(long size)
    {
        if (!BackupLimits.IsChunked(size))
        {
            _whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            return;
        }

        _cdc = FastCdc.ForFile(size);
        _list = new ChunkListHash();
        _chunks = [];
        // Cuts wait for a maximum chunk of look-ahead (as FastCdc.Split does), so two maximums
        // always leave room for the next piece after the cut bytes move to the front.
        _buffer = new byte[2 * _cdc.MaxSize];
    }

    /// <summary>For content of <paramref name="size"/> bytes (the size decides the form).</summary>
    public static ContentIdentity For(long size) => new(size);

    public void Append(ReadOnlySpan<byte> data)
    {
        if (_whole is not null)
        {
            _whole.AppendData(data);
            return;
        }

        while (!data.IsEmpty)
        {
            if (_end == _buffer!.Length)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                (_end, _start) = (_end - _start, 0);
            }

            var take = Math.Min(data.Length, _buffer.Length - _end);
            data[..take].CopyTo(_buffer.AsSpan(_end));
            _end += take;
            data = data[take..];
            while (_end - _start >= _cdc!.MaxSize)
            {
                CutOne();
            }
        }
    }

    /// <summary>The identity, and the chunks for chunked content (null otherwise).</summary>
    public (string Hash, IReadOnlyList<ChunkRef>? Chunks) Finish()
    {
        if (_whole is not null)
        {
            return (Convert.ToHexStringLower(_whole.GetHashAndReset()), null);
        }

        while (_end > _start)
        {
            CutOne();
        }

        return (_list!.Finish(), _chunks);
    }

    private void CutOne()
    {
        var (_, length) = _cdc!.Cut(_buffer.AsSpan(_start, _end - _start));
        var digest = SHA256.HashData(_buffer.AsSpan(_start, length));
        _list!.Add(digest, length);
        _chunks!.Add(new ChunkRef(Convert.ToHexStringLower(digest), length));
        _start += length;
    }

    public void Dispose()
    {
        _whole?.Dispose();
        _list?.Dispose();
    }
}

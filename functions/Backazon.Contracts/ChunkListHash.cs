using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Backazon.Contracts;

/// <summary>
/// The identity of chunked content: SHA-256 over a version label and, for each chunk in order,
/// its length (8 bytes, big-endian) and its SHA-256. Two contents share it only if they share
/// every chunk, so the backend can check a whole file by checking chunks: those it copied from
/// content it checked before, by their recorded hashes; the rest by reading them. The uploader
/// (and a restore's check) computes the same from the bytes, cut with <c>FastCdc.ForFile</c>.
/// </summary>
public sealed class ChunkListHash : IDisposable
{
    private static readonly byte[] Label = "backazon-chunks-v1\n"u8.ToArray();
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _entry = new byte[8 + 32];

    public ChunkListHash() => _hash.AppendData(Label);

    public void Add(ReadOnlySpan<byte> chunkSha256, long length)
    {
        BinaryPrimitives.WriteInt64BigEndian(_entry, length);
        chunkSha256.CopyTo(_entry.AsSpan(8));
        _hash.AppendData(_entry);
    }

    /// <summary>The identity, lowercase hex.</summary>
    public string Finish() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    /// <summary>The identity of a list of chunks (hashes as lowercase hex).</summary>
    public static string Of(IEnumerable<ChunkRef> chunks)
    {
        using var list = new ChunkListHash();
        foreach (var chunk in chunks)
        {
            list.Add(Convert.FromHexString(chunk.Hash!), chunk.Length);
        }

        return list.Finish();
    }

    public void Dispose() => _hash.Dispose();
}

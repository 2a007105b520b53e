using System.Security.Cryptography;
using Backazon.Contracts;
using Backazon.Uploader.Chunking;
using Backazon.Uploader.Planning;

namespace Backazon.UnitTests.Uploader;

public sealed class ContentIdentityTests
{
    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public void BelowTheChunkedSize_IsTheSha256OfTheBytes()
    {
        var bytes = RandomBytes((int)BackupLimits.ChunkedMinBytes - 1, seed: 3);
        using var identity = ContentIdentity.For(bytes.Length);

        identity.Append(bytes);
        var (hash, chunks) = identity.Finish();

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), hash);
        Assert.Null(chunks);
    }

    /// <summary>Whatever the pieces the bytes come in (a file read in 1 MiB, a download in
    /// whatever the network gives), the chunks are FastCDC's cuts of the whole, and the identity
    /// is the hash of their list.</summary>
    [Theory]
    [InlineData(1 << 20)]
    [InlineData(65_537)]
    [InlineData(7 * 1024 * 1024 + 3)]
    public void ChunkedSize_InAnyPieces_ListsTheFastCdcChunks_AndHashesTheirList(int piece)
    {
        var bytes = RandomBytes((int)BackupLimits.ChunkedMinBytes + 12345, seed: 4);
        var expected = FastCdc.ForFile(bytes.Length).Split(new MemoryStream(bytes))
            .Select(c => new ChunkRef(Convert.ToHexStringLower(SHA256.HashData(bytes.AsSpan((int)c.Offset, c.Length))), c.Length)).ToList();
        using var identity = ContentIdentity.For(bytes.Length);

        for (var at = 0; at < bytes.Length; at += piece)
        {
            identity.Append(bytes.AsSpan(at, Math.Min(piece, bytes.Length - at)));
        }

        var (hash, chunks) = identity.Finish();

        Assert.Equal(expected, chunks);
        Assert.Equal(ChunkListHash.Of(expected), hash);
        Assert.NotEqual(Convert.ToHexStringLower(SHA256.HashData(bytes)), hash);
    }

    [Fact]
    public void ChunkListHash_DependsOnEveryLengthAndHash()
    {
        var a = new ChunkRef(new string('a', 64), 10);
        var b = new ChunkRef(new string('b', 64), 20);

        var hashes = new[] { ChunkListHash.Of([a, b]), ChunkListHash.Of([b, a]), ChunkListHash.Of([a, b with { Length = 21 }]), ChunkListHash.Of([a]) };

        Assert.Equal(hashes.Length, hashes.Distinct().Count());
    }
}

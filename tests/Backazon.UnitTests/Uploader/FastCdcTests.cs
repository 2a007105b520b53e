using System.Security.Cryptography;
using Backazon.Uploader.Chunking;

namespace Backazon.UnitTests.Uploader;

public sealed class FastCdcTests
{
    /// <summary>A public-domain print (Toriyama Sekien's Akashita), the fixture other FastCDC
    /// implementations publish their cut points for.</summary>
    private static byte[] Sekien() => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Uploader", "Fixtures", "SekienAkashita.jpg"));

    public static TheoryData<int, int, int, ulong[], int[]> ReferenceVectors => new()
    {
        { 4096, 16384, 65535,
            [17968276318003433923, 8197189939299398838, 13019990849178155730, 4509236223063678303, 2504464741100432583],
            [21325, 17140, 28084, 18217, 24700] },
        { 8192, 32768, 131072, [15733367461443853673, 6321136627705800457], [66549, 42917] },
        { 16384, 65536, 262144, [2504464741100432583], [109466] },
    };

    [Theory]
    [MemberData(nameof(ReferenceVectors))]
    public void Cut_MatchesTheReferenceVector(int min, int average, int max, ulong[] hashes, int[] lengths)
    {
        var source = Sekien();
        var chunker = new FastCdc(min, average, max);

        var cuts = new List<(ulong, int)>();
        for (var at = 0; at < source.Length;)
        {
            var (hash, length) = chunker.Cut(source.AsSpan(at));
            cuts.Add((hash, length));
            at += length;
        }

        Assert.Equal(hashes.Zip(lengths), cuts);
    }

    [Fact]
    public void Split_ReadingAStreamInSmallPieces_CutsWhereOneBufferWould()
    {
        var data = RandomBytes(3 * 1024 * 1024 + 17, seed: 1);
        var chunker = new FastCdc(4096, 16384, 65536);
        var expected = new List<Chunk>();
        for (var at = 0; at < data.Length;)
        {
            var (hash, length) = chunker.Cut(data.AsSpan(at));
            expected.Add(new Chunk(at, length, hash));
            at += length;
        }

        var chunks = chunker.Split(new TrickleStream(data, 1000)).ToList();

        Assert.Equal(expected, chunks);
        Assert.Equal(data.Length, chunks.Sum(c => (long)c.Length));
    }

    [Fact]
    public void InsertingNearTheStart_ChangesOnlyTheChunksAroundIt()
    {
        var original = RandomBytes(24 * 1024 * 1024, seed: 2);
        var edited = original[..5000].Concat(RandomBytes(4096, seed: 3)).Concat(original[5000..]).ToArray();
        var chunker = FastCdc.ForFile(original.Length);

        var before = Ids(chunker, original);
        var after = Ids(chunker, edited);

        Assert.InRange(before.Count, 24, 96); // about half a MiB each
        var added = after.Except(before).Count();
        Assert.InRange(added, 1, 2);
    }

    [Fact]
    public void AllZeros_AreCutAtTheMaximum_WithTheReferenceHash()
    {
        var chunker = new FastCdc(64, 256, 1024);
        var chunks = chunker.Split(new MemoryStream(new byte[10240])).ToList();

        Assert.Equal(Enumerable.Repeat(1024, 10), chunks.Select(c => c.Length));
        Assert.All(chunks, c => Assert.Equal(14169102344523991076UL, c.CutHash));
    }

    [Theory]
    [InlineData(1L << 30, 512 << 10)]
    [InlineData(20L << 30, 2 << 20)]
    [InlineData(100L << 30, 16 << 20)]
    public void ForFile_KeepsEveryBlobWithinTheBlockLimit(long size, int average)
    {
        var chunker = FastCdc.ForFile(size);

        Assert.Equal(average, chunker.AverageSize);
        Assert.True(size / chunker.MinSize < FastCdc.MaxBlocks);
    }

    [Fact]
    public void SizesThatDoNotGrow_AreRefused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new FastCdc(4096, 4096, 8192));
        Assert.Contains("Chunk sizes must grow", error.Message);
    }

    private static HashSet<string> Ids(FastCdc chunker, byte[] data) =>
        chunker.Split(new MemoryStream(data)).Select(c => Convert.ToHexString(SHA256.HashData(data.AsSpan((int)c.Offset, c.Length)))).ToHashSet();

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A stream that hands out at most a few bytes per read, as pipes and networks do.</summary>
    private sealed class TrickleStream(byte[] data, int most) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, most));
    }
}

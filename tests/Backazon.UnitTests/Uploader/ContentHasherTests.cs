using System.Security.Cryptography;
using System.Text;
using Backazon.Uploader.Planning;

namespace Backazon.UnitTests.Uploader;

public sealed class ContentHasherTests : IDisposable
{
    private readonly TempTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    public async Task HashAsync_KnownVector_MatchesSha256(string content, string expected)
    {
        var file = _tree.File("f", content);

        var digest = await ContentHasher.HashAsync(file);

        Assert.Equal(expected, digest.Hash);
        Assert.Equal(content.Length, digest.Size);
        Assert.Equal(File.GetLastWriteTimeUtc(file).Ticks, digest.ModifiedAt.UtcTicks);
    }

    [Fact]
    public async Task HashAsync_LargerThanBuffer_MatchesOneShotHashAndReportsProgress()
    {
        var bytes = new byte[(ContentHasher.BufferSize * 2) + 12345];
        new Random(42).NextBytes(bytes);
        var file = _tree.PathOf("big");
        await File.WriteAllBytesAsync(file, bytes);
        long progressed = 0;

        var digest = await ContentHasher.HashAsync(file, count => progressed += count);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), digest.Hash);
        Assert.Equal(bytes.Length, progressed);
    }

    [Fact]
    public async Task HashAsync_FileGrowsDuringRead_ThrowsFileChanged()
    {
        var file = _tree.File("growing", "first part");

        var appended = false;

        // The progress callback runs between two reads: append there, once, deterministically.
        var error = await Assert.ThrowsAsync<FileChangedException>(() =>
            ContentHasher.HashAsync(file, _ =>
            {
                if (!appended)
                {
                    File.AppendAllText(file, "more");
                    appended = true;
                }
            }));

        Assert.Equal(file, error.LocalPath);
    }

    [Fact]
    public async Task HashAsync_FileRewrittenSameSizeDuringRead_ThrowsFileChanged()
    {
        var file = _tree.File("rewritten", "aaaa");
        File.SetLastWriteTimeUtc(file, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        var rewrites = 0;

        await Assert.ThrowsAsync<FileChangedException>(() =>
            ContentHasher.HashAsync(file, _ =>
            {
                if (rewrites++ == 0)
                {
                    File.WriteAllText(file, "bbbb");
                }
            }));
    }

    [Fact]
    public async Task HashAsync_Cancelled_Throws()
    {
        var file = _tree.File("f", "x");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ContentHasher.HashAsync(file, cancellationToken: new CancellationToken(canceled: true)));
    }
}

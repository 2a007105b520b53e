using System.Security.Cryptography;

namespace Backazon.IntegrationTests.Infrastructure;

/// <summary>Big random files for the chunked-content tests, written and hashed in bounded buffers.</summary>
public static class BigFiles
{
    private const int BufferBytes = 4 * 1024 * 1024;

    public static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    public static async Task WriteRandomAsync(string path, long size, Random random)
    {
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        var buffer = new byte[BufferBytes];
        for (long written = 0; written < size; written += buffer.Length)
        {
            random.NextBytes(buffer);
            await file.WriteAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, size - written)));
        }
    }

    public static async Task<string> Sha256Async(string path)
    {
        await using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file));
    }
}

using System.Text;

namespace Backazon.IntegrationTests.Infrastructure;

/// <summary>Makes a tree like people have: nested folders, Unicode names (NFC and NFD kept
/// distinct), empty files, a symbolic link, and optionally one large file.</summary>
public static class TestTree
{
    public static Dictionary<string, byte[]> Generate(string root, int folders, int filesPerFolder, int largeFileBytes)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var random = new Random(42);
        string[] names = ["résumé", "re\u0301sume\u0301", "日本語", "emoji 😀", "plain"];
        for (var f = 0; f < folders; f++)
        {
            var folder = Path.Combine(root, $"nested-{f:D2}", f % 2 == 0 ? "deeper" : "shallow");
            Directory.CreateDirectory(folder);
            for (var i = 0; i < filesPerFolder; i++)
            {
                var name = $"{names[i % names.Length]} {i:D3}.txt";
                var bytes = i % 7 == 0 ? [] : Encoding.UTF8.GetBytes($"{f}/{i} " + new string('x', random.Next(10, 3000)));
                var path = Path.Combine(folder, name);
                File.WriteAllBytes(path, bytes);
                files[path] = bytes;
            }
        }

        if (largeFileBytes > 0)
        {
            var large = new byte[largeFileBytes];
            random.NextBytes(large);
            var path = Path.Combine(root, "large.bin");
            File.WriteAllBytes(path, large);
            files[path] = large;
        }

        File.CreateSymbolicLink(Path.Combine(root, "link-to-folder"), "nested-00");
        return files;
    }
}

using System.Security.Cryptography;

namespace Backazon.Bench.Dataset;

/// <summary>Every file of a tree by relative path, with its size and SHA-256: what a restore is
/// checked against. Reported, never asserted: a benchmark states what happened.</summary>
public sealed class TreeManifest
{
    private readonly Dictionary<string, (long Size, string Hash)> _files;

    private TreeManifest(Dictionary<string, (long Size, string Hash)> files) => _files = files;

    public int Count => _files.Count;

    public static TreeManifest Of(string root)
    {
        var files = new Dictionary<string, (long Size, string Hash)>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            using var stream = File.OpenRead(file);
            files[Path.GetRelativePath(root, file)] = (stream.Length, Convert.ToHexString(SHA256.HashData(stream)));
        }

        return new TreeManifest(files);
    }

    /// <summary>"identical", or how the other tree differs.</summary>
    public string Compare(string root)
    {
        if (!Directory.Exists(root))
        {
            return "nothing restored";
        }

        var other = Of(root)._files;
        var missing = _files.Keys.Count(k => !other.ContainsKey(k));
        var wrong = _files.Count(f => other.TryGetValue(f.Key, out var o) && o != f.Value);
        var extra = other.Keys.Count(k => !_files.ContainsKey(k));
        return missing + wrong + extra == 0 ? "identical" : $"{missing} missing, {wrong} differ, {extra} extra";
    }
}

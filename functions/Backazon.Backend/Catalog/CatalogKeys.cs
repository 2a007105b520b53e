using System.Security.Cryptography;
using System.Text;

namespace Backazon.Backend.Catalog;

/// <summary>
/// Where a version lives in the Catalog table. One partition per (account, device, folder), so
/// "this folder as of T" and "this file's versions" are range queries in one partition. Paths of
/// any length and characters fit: the folder is hashed into the partition key and the name is
/// escaped (or hashed, when very long) into the row key; the exact path is a property.
/// </summary>
public static class CatalogKeys
{
    public const string FilePrefix = "f|";
    public const string FolderPrefix = "d|";

    /// <summary>The first keys after every file row and after every folder marker of a partition.</summary>
    public const string FilesEnd = "f}";
    public const string FoldersEnd = "d}";

    // Keys stay well inside the table's 1 KiB limit.
    private const int MaxNameKeyLength = 255;

    public static string Partition(string accountId, string deviceId, string folder) =>
        $"{accountId}|{deviceId}|{Hash(folder)[..32]}";

    /// <summary>Newest first within a name: the time part counts down.</summary>
    public static string FileRow(string name, DateTimeOffset committedAt) =>
        $"{FilePrefix}{NameKey(name)}|{(DateTime.MaxValue.Ticks - committedAt.UtcTicks):D19}";

    public static string FileRowsStart(string name) => $"{FilePrefix}{NameKey(name)}|";

    /// <summary>The first key after every version of the name ('}' follows '|').</summary>
    public static string FileRowsEnd(string name) => $"{FilePrefix}{NameKey(name)}}}";

    /// <summary>The key range of every version of the file one of whose rows this is (a file row
    /// ends in '|' and the count-down of its commit time).</summary>
    public static (string Start, string End) FileRowsOf(string fileRow)
    {
        var start = fileRow[..(fileRow.LastIndexOf('|') + 1)];
        return (start, start[..^1] + "}");
    }

    public static string FolderRow(string name) => $"{FolderPrefix}{NameKey(name)}";

    /// <summary>
    /// The id of one version of a file: what "versions" prints and "restore --version" takes.
    /// Derived from what fixes the version's row (path and commit time), so it needs no column of
    /// its own and never changes; unlike the content hash it tells apart two versions with the
    /// same bytes (a file edited back to what it was).
    /// </summary>
    public static string VersionId(string path, DateTimeOffset committedAt) => Hash($"{path}\n{committedAt.UtcTicks}")[..16];

    /// <summary>
    /// An injective escape of the characters a row key cannot hold ('/', '\', '#', '?', control
    /// characters) and of the ones we use as separators ('|', '%'); "~" plus a hash when long.
    /// </summary>
    public static string NameKey(string name)
    {
        var key = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (c is '/' or '\\' or '#' or '?' or '|' or '%' or '~' || char.IsControl(c))
            {
                key.Append('%').Append(((int)c).ToString("X4"));
            }
            else
            {
                key.Append(c);
            }
        }

        return key.Length <= MaxNameKeyLength ? key.ToString() : "~" + Hash(name);
    }

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}

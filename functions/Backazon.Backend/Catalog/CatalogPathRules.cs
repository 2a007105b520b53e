using System.Text;
using Backazon.Backend.Errors;
using Backazon.Contracts;

namespace Backazon.Backend.Catalog;

/// <summary>
/// What a catalog path and a content hash may look like. Paths are relative, '/'-separated,
/// stored exactly (no Unicode normalization: NFC and NFD names are different files), and can
/// never climb out of a restore target. The limits are the platforms', not ours: any character
/// but NUL, and as long as Windows allows (<see cref="BackupLimits.MaxPathLength"/>: 32,767 UTF-16
/// code units, the longest \\?\ path; Linux's 4,096 bytes are never more). Such a path still
/// fits the catalog: keys hold only a hash of the folder and at most 255 characters of the name
/// (<see cref="Catalog.CatalogKeys"/>), and the full path, a string property, takes at most
/// 65,534 of the 65,536 bytes Table storage allows one.
/// </summary>
public static class CatalogPathRules
{
    /// <summary>Why the catalog cannot take this path, or null when it can.</summary>
    public static string? Refusal(string? path, string field)
    {
        try
        {
            ValidPath(path, field);
            return null;
        }
        catch (BackazonException e)
        {
            return e.Detail;
        }
    }

    public static string ValidPath(string? path, string field)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw BackazonException.BadRequest($"The field '{field}' is required.", field);
        }

        if (path.Length > BackupLimits.MaxPathLength)
        {
            throw BackazonException.BadRequest($"The path in '{field}' is {path.Length:N0} characters; at most {BackupLimits.MaxPathLength:N0} are allowed.", field);
        }

        if (!IsValidUtf16(path))
        {
            throw BackazonException.BadRequest($"The path in '{field}' is not valid Unicode (a lone surrogate).", field);
        }

        // Any other character a file system allows is kept, control characters included (Linux
        // names may hold tabs and newlines); CatalogKeys escapes what a table key cannot hold.
        if (path.Contains('\0'))
        {
            throw BackazonException.BadRequest($"The path in '{field}' contains a NUL character, which no file system allows in a name.", field);
        }

        if (path[0] == '/' || (path.Length >= 2 && path[1] == ':'))
        {
            throw BackazonException.BadRequest($"The path in '{field}' is absolute; catalog paths are relative (no leading '/' or drive).", field);
        }

        foreach (var segment in path.Split('/'))
        {
            if (segment is "" or "." or "..")
            {
                throw BackazonException.BadRequest($"The path in '{field}' has an empty, '.' or '..' segment.", field);
            }
        }

        return path;
    }

    public static string ValidHash(string? hash, string field)
    {
        if (hash is not { Length: 64 } || !hash.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f'))
        {
            throw BackazonException.BadRequest($"The field '{field}' must be a SHA-256 as 64 lowercase hex digits.", field);
        }

        return hash;
    }

    public static bool IsValidUtf16(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The folder part of a path ("" for the root) and the name.</summary>
    public static (string Folder, string Name) Split(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? ("", path) : (path[..slash], path[(slash + 1)..]);
    }

    /// <summary>Every ancestor folder of a path, nearest last: "a/b/c.txt" → "", "a", "a/b".</summary>
    public static IEnumerable<string> Ancestors(string path)
    {
        yield return "";
        for (var i = path.IndexOf('/'); i >= 0; i = path.IndexOf('/', i + 1))
        {
            yield return path[..i];
        }
    }

    public static int Utf8Length(string value) => Encoding.UTF8.GetByteCount(value);
}

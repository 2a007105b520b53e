namespace Backazon.Uploader.Scanning;

/// <summary>
/// The path a file has in the catalog: the absolute local path with forward slashes and no
/// leading slash ("/home/a/x" → "home/a/x", "C:\Users\a" → "C/Users/a"). Characters are kept
/// exactly as the file system returns them — no Unicode normalization, no case folding — so two
/// names that differ only in NFC/NFD form stay two files.
/// </summary>
public static class CatalogPath
{
    /// <summary>Maps an absolute local path to its catalog path.</summary>
    /// <exception cref="ArgumentException">The path is not absolute, or has a ".." segment
    /// (callers pass <see cref="Path.GetFullPath(string)"/> results).</exception>
    public static string FromLocal(string absolutePath) => FromLocal(absolutePath, OperatingSystem.IsWindows());

    /// <summary>The inverse of <see cref="FromLocal(string)"/>: the local path a catalog path was
    /// backed up from ("home/a/x" → "/home/a/x", "C/Users/a" → "C:\Users\a"), to show people
    /// their own paths rather than catalog keys.</summary>
    public static string ToOriginal(string catalogPath) => ToOriginal(catalogPath, OperatingSystem.IsWindows());

    internal static string ToOriginal(string catalogPath, bool windows)
    {
        ArgumentNullException.ThrowIfNull(catalogPath);
        if (!windows)
        {
            return "/" + catalogPath;
        }

        var segments = catalogPath.Split('/');
        return segments switch
        {
            ["UNC", .. var rest] => @"\\" + string.Join('\\', rest),
            [var drive, .. var rest] => drive + @":\" + string.Join('\\', rest),
            [] => "",
        };
    }

    /// <summary>
    /// Joins <paramref name="catalogPath"/> under <paramref name="targetRoot"/> for a restore.
    /// Throws rather than returning null so a caller cannot write to an unchecked path by
    /// forgetting a null check.
    /// </summary>
    /// <exception cref="UnsafePathException">The path would land outside targetRoot (.., an
    /// absolute path, a drive letter) or, on Windows, names a reserved device or uses characters
    /// Windows cannot store.</exception>
    public static string ToLocal(string catalogPath, string targetRoot)
    {
        ArgumentNullException.ThrowIfNull(catalogPath);
        ArgumentException.ThrowIfNullOrEmpty(targetRoot);
        if (Problem(catalogPath, OperatingSystem.IsWindows()) is { } problem)
        {
            throw new UnsafePathException(catalogPath, problem);
        }

        // Defence in depth: the segment checks above should make this impossible, but the final
        // word belongs to the platform's own path resolution.
        var root = Path.GetFullPath(targetRoot);
        var inside = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        var local = Path.GetFullPath(Path.Join(root, catalogPath));
        if (!local.StartsWith(inside, StringComparison.Ordinal))
        {
            throw new UnsafePathException(catalogPath, "it resolves outside the restore folder");
        }

        return local;
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="folder"/> or lies inside it:
    /// "home/a" holds "home/a/x" but not "home/ab/x". The empty folder ("/" backed up) holds all.</summary>
    public static bool IsSameOrUnder(string path, string folder) =>
        folder.Length == 0
        || (path.StartsWith(folder, StringComparison.Ordinal)
            && (path.Length == folder.Length || path[folder.Length] == '/'));

    /// <summary>True when <paramref name="path"/> is one of <paramref name="folders"/> or lies inside
    /// one; costs one set lookup per path segment, however many folders there are.</summary>
    public static bool IsSameOrUnderAny(string path, IReadOnlySet<string> folders)
    {
        if (folders.Count == 0)
        {
            return false;
        }

        if (folders.Contains("") || folders.Contains(path))
        {
            return true;
        }

        for (var slash = path.IndexOf('/'); slash >= 0; slash = path.IndexOf('/', slash + 1))
        {
            if (folders.Contains(path[..slash]))
            {
                return true;
            }
        }

        return false;
    }

    internal static string FromLocal(string absolutePath, bool windows)
    {
        ArgumentNullException.ThrowIfNull(absolutePath);
        if (!windows)
        {
            if (!absolutePath.StartsWith('/'))
            {
                throw new ArgumentException($"Not an absolute path: \"{absolutePath}\".", nameof(absolutePath));
            }

            // A backslash is an ordinary character in a Unix name, so only '/' separates.
            return JoinSegments(absolutePath.Split('/'));
        }

        var path = absolutePath.Replace('\\', '/');
        if (path.StartsWith("//?/UNC/", StringComparison.Ordinal))
        {
            path = "//" + path["//?/UNC/".Length..];
        }
        else if (path.StartsWith("//?/", StringComparison.Ordinal) || path.StartsWith("//./", StringComparison.Ordinal))
        {
            path = path[4..];
        }

        if (path.StartsWith("//", StringComparison.Ordinal))
        {
            // \\server\share\x: "UNC" cannot collide with a drive, which is one letter.
            return JoinSegments(["UNC", .. path[2..].Split('/')]);
        }

        if (path.Length >= 3 && char.IsAsciiLetter(path[0]) && path[1] == ':' && path[2] == '/')
        {
            // Drive letters are case-insensitive on Windows; one spelling keeps one catalog path.
            return JoinSegments([char.ToUpperInvariant(path[0]).ToString(), .. path[3..].Split('/')]);
        }

        throw new ArgumentException($"Not an absolute path: \"{absolutePath}\".", nameof(absolutePath));
    }

    /// <summary>Why <paramref name="catalogPath"/> cannot be restored under a folder, or null.</summary>
    internal static string? Problem(string catalogPath, bool windows)
    {
        if (catalogPath.Length == 0)
        {
            return "the path is empty";
        }

        if (catalogPath[0] == '/' || (windows && catalogPath[0] == '\\'))
        {
            return "the path is absolute";
        }

        foreach (var segment in catalogPath.Split('/'))
        {
            if (segment is "" or "." or "..")
            {
                return $"it contains an empty, \".\" or \"..\" segment";
            }

            if (segment.Contains('\0'))
            {
                return "it contains a NUL character";
            }

            if (windows && WindowsProblem(segment) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? WindowsProblem(string segment)
    {
        if (segment.AsSpan().IndexOfAny(WindowsForbidden) >= 0 || segment.Any(char.IsControl))
        {
            // ':' also covers drive letters ("C:") and alternate data streams ("a:stream").
            return $"\"{segment}\" contains a character Windows does not allow in names";
        }

        if (segment.EndsWith('.') || segment.EndsWith(' '))
        {
            // Windows silently drops these, so "a." would land on "a".
            return $"\"{segment}\" ends with a dot or a space";
        }

        // Device names are reserved with any extension ("nul.txt" is the NUL device too).
        var stem = segment.Split('.')[0].TrimEnd(' ');
        return WindowsReserved.Contains(stem) ? $"\"{segment}\" is a reserved device name on Windows" : null;
    }

    private static string JoinSegments(string[] segments)
    {
        if (segments.Contains(".."))
        {
            // Resolving ".." here could silently map two local paths to one catalog path.
            throw new ArgumentException($"The path has a \"..\" segment: \"{string.Join('/', segments)}\".");
        }

        return string.Join('/', segments.Where(segment => segment is not ("" or ".")));
    }

    private static readonly char[] WindowsForbidden = ['\\', ':', '*', '?', '"', '<', '>', '|'];

    private static readonly HashSet<string> WindowsReserved = new(
        ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
         .. Enumerable.Range(1, 9).SelectMany(n => new[] { $"COM{n}", $"LPT{n}" }),
         "COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³"],
        StringComparer.OrdinalIgnoreCase);
}

using Microsoft.Extensions.FileSystemGlobbing;

namespace Backazon.Uploader.Scanning;

/// <summary>
/// Glob patterns (Microsoft.Extensions.FileSystemGlobbing syntax: <c>*</c>, <c>**</c>, <c>?</c>)
/// matched against a path relative to the backup root, with '/' separators, read the way
/// .gitignore reads them: a pattern without a slash (<c>sub</c>, <c>*.log</c>) matches a file or
/// folder of that name at any depth; one with a slash inside is anchored at the root
/// (<c>docs/drafts</c>, a leading <c>/</c> is dropped); a trailing slash (<c>build/</c>) matches
/// folders only; a pattern ending in <c>/**</c> names a folder. An excluded folder is never read,
/// so a huge node_modules costs nothing, and everything under it is excluded too.
/// Matching is case-insensitive on Windows and macOS, whose file systems are, and exact elsewhere.
/// </summary>
public sealed class ExclusionRules
{
    /// <summary>
    /// Applied unless the user turns them off: things that are rebuilt, re-downloaded or
    /// meaningless on another machine, and that churn enough to cost real uploads.
    /// Deliberately NOT excluded: <c>.git</c> (a repository without its objects cannot be
    /// restored), <c>bin</c>/<c>obj</c>/<c>build</c> (too often real data outside code trees).
    /// </summary>
    public static readonly IReadOnlyList<string> Defaults =
    [
        // Caches: rebuilt on demand by whatever made them.
        "**/.cache/**",              // XDG cache folder (~/.cache)
        "**/Library/Caches/**",      // macOS per-user caches
        "**/AppData/Local/Temp/**",  // Windows per-user temp folder
        "**/node_modules/**",        // npm packages, restored by `npm install`
        "**/__pycache__/**",         // Python bytecode
        // Trash: the user already threw these away.
        "**/.Trash*/**",             // Linux/freedesktop trash (.Trash-1000) and macOS .Trashes
        "**/$RECYCLE.BIN/**",        // Windows recycle bin
        "**/System Volume Information/**",
        // Temporary and lock files, half-written by design.
        "**/*.tmp",
        "**/~$*",                    // Office owner/lock files (~$report.docx)
        "**/*.swp",                  // vim swap files
        // Operating-system bookkeeping, recreated automatically.
        "**/Thumbs.db",
        "**/.DS_Store",
        "**/pagefile.sys",
        "**/hiberfil.sys",
        "**/swapfile.sys",
    ];

    // Any absolute folder serves: matching happens in memory, never on disk.
    private static readonly string MatchRoot = OperatingSystem.IsWindows() ? @"C:\" : "/";

    private readonly Matcher _files;
    private readonly Matcher _folders;
    private readonly List<string> _patterns = [];

    /// <param name="patterns">The user's patterns, added to <see cref="Defaults"/> unless
    /// <paramref name="includeDefaults"/> is false.</param>
    public ExclusionRules(IEnumerable<string>? patterns = null, bool includeDefaults = true)
    {
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()
            ? StringComparison.OrdinalIgnoreCase
            : StringComparison.Ordinal;
        _files = new Matcher(comparison);
        _folders = new Matcher(comparison);

        var all = (includeDefaults ? Defaults.Select(p => (Pattern: p, Default: true)) : [])
            .Concat((patterns ?? []).Select(p => (Pattern: p.Trim(), Default: false)));
        foreach (var (pattern, isDefault) in all.Where(p => p.Pattern.Length > 0))
        {
            // The defaults are written out exactly (file patterns, and folders ending in /**).
            var (files, folders) = isDefault ? Literal(pattern) : Expand(pattern);
            foreach (var file in files)
            {
                _files.AddInclude(file);
            }

            foreach (var folder in folders)
            {
                _folders.AddInclude(folder);
            }

            _patterns.Add(pattern);
        }
    }

    private static (IEnumerable<string> Files, IEnumerable<string> Folders) Literal(string pattern) =>
        pattern.EndsWith("/**", StringComparison.Ordinal) && pattern.Length > 3 ? ([pattern], [pattern[..^3]]) : ([pattern], []);

    /// <summary>What one of the user's patterns matches, as globs for files and for folders.</summary>
    private static (IEnumerable<string> Files, IEnumerable<string> Folders) Expand(string pattern)
    {
        if (pattern.EndsWith("/**", StringComparison.Ordinal) && pattern.Length > 3)
        {
            return Literal(pattern);
        }

        var foldersOnly = pattern.EndsWith('/');
        var name = pattern.TrimEnd('/');
        var anchored = name.Contains('/') ? name.TrimStart('/') : "**/" + name;
        if (anchored.Length == 0 || anchored == "**/")
        {
            return ([], []);
        }

        // A folder it names takes what is under it along; a name may also be a file's.
        return foldersOnly ? ([anchored + "/**"], [anchored]) : ([anchored, anchored + "/**"], [anchored]);
    }

    /// <summary>The patterns in force, defaults first.</summary>
    public IReadOnlyList<string> Patterns => _patterns;

    /// <summary>Whether the entry at <paramref name="relativePath"/> (relative to the backup root,
    /// '/' separators) is left out; for a folder, everything inside it is left out too.</summary>
    public bool IsExcluded(string relativePath, bool isDirectory) =>
        (isDirectory ? _folders : _files).Match(MatchRoot, relativePath).HasMatches;

    /// <summary>
    /// The entries of one folder listing that are excluded, matched in one pass per kind: the
    /// matcher's set-up per call costs far more than matching a path, so a scan asks once per
    /// listing rather than once per entry (half the CPU of an unchanged 10,000-file backup).
    /// Same answers as <see cref="IsExcluded"/>.
    /// </summary>
    public HashSet<string> Excluded(IReadOnlyCollection<(string RelativePath, bool IsDirectory)> entries)
    {
        var excluded = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (matcher, isDirectory) in new[] { (_files, false), (_folders, true) })
        {
            var paths = entries.Where(e => e.IsDirectory == isDirectory).Select(e => e.RelativePath).ToList();
            if (paths.Count == 0)
            {
                continue;
            }

            var matched = matcher.Match(MatchRoot, paths).Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
            excluded.UnionWith(paths.Where(matched.Contains));
        }

        return excluded;
    }
}

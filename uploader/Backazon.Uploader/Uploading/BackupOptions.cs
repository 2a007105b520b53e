namespace Backazon.Uploader.Uploading;

/// <summary>How a backup run behaves; the defaults suit a laptop on a home connection.</summary>
public sealed record BackupOptions
{
    /// <summary>Files hashed at once (disk-bound: a few are enough).</summary>
    public int HashParallelism { get; init; } = 4;

    /// <summary>Files uploaded at once (each large file also sends blocks in parallel).</summary>
    public int UploadParallelism { get; init; } = 8;

    /// <summary>How long to wait for the backend to confirm the catalog before leaving the
    /// confirmation to the next run (nothing is lost either way).</summary>
    public TimeSpan CatalogWait { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Glob patterns, relative to each backup root, on top of the defaults.</summary>
    public IReadOnlyList<string> Exclusions { get; init; } = [];

    /// <summary>Absolute folders never backed up, wherever they fall under a root.</summary>
    public IReadOnlyList<string> ExcludedFolders { get; init; } = [];

    /// <summary>The exclusion patterns for one root: the configured ones, plus the excluded
    /// folders that lie under it, as patterns relative to it.</summary>
    public IEnumerable<string> PatternsFor(string root) =>
        Exclusions.Concat(ExcludedFolders
            .Select(folder => Path.GetRelativePath(root, Path.GetFullPath(folder)))
            .Where(relative => relative != "." && !relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative))
            .Select(relative => relative.Replace('\\', '/') + "/**"));
}

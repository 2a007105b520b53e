namespace Backazon.Uploader.Uploading;

/// <summary>How a backup run behaves. The defaults suit a laptop on a home connection.</summary>
public sealed record BackupOptions
{
    /// <summary>Files hashed at once (disk-bound: a few are enough).</summary>
    public int HashParallelism { get; init; } = 4;

    /// <summary>Uploads in flight, shared by every batch in flight: while one batch asks for its
    /// grants or commits, the others keep the store busy. A file sent in blocks takes as many as
    /// it sends blocks at once. Over a real line a small file's upload is mostly a round trip
    /// (43 KB is 3 ms of 100 Mbit/s, against 40 ms or more to the storage account), so this many
    /// keep the line full.</summary>
    public int UploadParallelism { get; init; } = 32;

    /// <summary>Batches being granted, uploaded and committed at once; one more may wait hashed.
    /// With the batch limits below this bounds what a kill can cost.</summary>
    public int BatchesInFlight { get; init; } = 3;

    /// <summary>Large files (each a batch of its own) being sent at once, in a lane of their own:
    /// a 1 GiB upload does not take a slot the small files' batches need.</summary>
    public int LargeFilesInFlight { get; init; } = 1;

    /// <summary>A batch closes at this many files...</summary>
    public int BatchFiles { get; init; } = 500;

    /// <summary>...or this many bytes of files.</summary>
    public long BatchBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>A file this large travels in a batch of its own.</summary>
    public long LargeFileBytes { get; init; } = 16L * 1024 * 1024;

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

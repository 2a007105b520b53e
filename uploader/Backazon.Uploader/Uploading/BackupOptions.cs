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
    public TimeSpan CatalogWait { get; init; } = TimeSpan.FromMinutes(2);

    public IReadOnlyList<string> Exclusions { get; init; } = [];
}

namespace Backazon.Bench.Dataset;

/// <summary>
/// What the generator makes: a documents-like tree of <see cref="Files"/> small files in
/// <see cref="Folders"/> nested folders, plus <see cref="BigFiles"/> random files of
/// <see cref="BigFileMiB"/> each. The same spec and seed always give the same bytes, names and times.
/// </summary>
public sealed record DatasetSpec(int Files = 10_000, int Folders = 300, int BigFiles = 1, int BigFileMiB = 1024, int Seed = 14)
{
    /// <summary>About a minute for every tool together on this machine.</summary>
    public static DatasetSpec Smoke { get; } = new(Files: 400, Folders: 30, BigFiles: 1, BigFileMiB: 16);

    /// <summary>Small files: log-normal sizes around a median of 12 KiB (mean about 45 KB, as in
    /// a documents folder), cut to this range.</summary>
    public const int MinFileBytes = 1024;
    public const int MaxFileBytes = 4 * 1024 * 1024;

    /// <summary>Modification times start here, one tick per file, so every tool sees the same
    /// times on every run; mutations move them later.</summary>
    public static readonly DateTime BaseTime = new(2026, 1, 5, 9, 0, 0, DateTimeKind.Utc);
}

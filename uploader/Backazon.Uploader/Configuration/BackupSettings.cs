namespace Backazon.Uploader.Configuration;

/// <summary>
/// What to back up and how (config.json): folders (a leading <c>~</c> is the home folder; none
/// listed means <see cref="DefaultFolders"/>), glob patterns to leave out on top of the built-in
/// exclusions, how often the agent backs up (<c>"1d"</c>, <c>"6h"</c>...) and the most it may
/// upload per second (<c>"2MB"</c>). Every field may be missing; an empty folder list (the
/// user removed them all) backs up nothing rather than the defaults.
/// </summary>
public sealed record BackupSettings(IReadOnlyList<string>? Folders, IReadOnlyList<string>? Exclude, string? Interval = null, string? MaxUploadRate = null)
{
    public const string FileName = "config.json";

    public static readonly BackupSettings Empty = new(null, null);

    /// <summary>The folders to back up, as absolute paths: the listed ones, or the defaults.</summary>
    public IReadOnlyList<string> ResolvedFolders() =>
        Folders is { } listed ? [.. listed.Select(HomePath.Expand)] : DefaultFolders.Existing();

    public TimeSpan? ResolvedInterval() =>
        Interval is { Length: > 0 } text ? Duration.Parse(text, "\"interval\" in " + FileName) : null;

    public long? ResolvedMaxUploadRate() =>
        MaxUploadRate is { Length: > 0 } text ? UploadRate.Parse(text, "\"maxUploadRate\" in " + FileName) : null;
}

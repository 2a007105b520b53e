using System.Text.Json;
using Backazon.Contracts;

namespace Backazon.Uploader.Ui;

/// <summary>
/// How "ls", "versions", "runs" and "link" print: a line for a person (their own paths, times
/// with the zone as <see cref="Times.Local"/> writes them), or with --json one JSON object per
/// line with the full local path and exact times in the local zone (which "--at" accepts too).
/// </summary>
public static class HistoryViews
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Characters of a version id that "versions" prints (any unambiguous prefix works).</summary>
    public const int ShortIdLength = 8;

    public static string ShortId(string? versionId) => versionId is null ? "-" : versionId[..Math.Min(ShortIdLength, versionId.Length)];

    public static string ListLine(CatalogItem item)
    {
        var name = UserPaths.Show(item.Path) + (item.Kind == CatalogItemKinds.Folder ? "/" : "") + (item.LinkTarget is { } t ? " -> " + t : "");
        var deleted = item.DeletedAt is { } at ? $"  (deleted {Times.Local(at)})" : "";
        var size = item.Kind == CatalogItemKinds.Folder ? "-" : ByteSizes.Format(item.Size);
        return $"{Times.Local(item.ModifiedAt ?? item.VersionAt)}  {size,10}  {name}{deleted}";
    }

    public static string VersionLine(CatalogItem version) =>
        version.Kind == EntryKinds.Deleted
            ? $"{ShortId(version.VersionId)}  {Times.Local(version.VersionAt)}  {"deleted",10}"
            : $"{ShortId(version.VersionId)}  {Times.Local(version.VersionAt)}  {ByteSizes.Format(version.Size),10}" + (version.Kind == EntryKinds.Symlink ? $"  -> {version.LinkTarget}" : "");

    public static string RunLine(RunView run)
    {
        var took = run.FinishedAt - run.StartedAt;
        return $"{Times.Local(run.StartedAt)}  {(run.Complete ? "complete  " : "incomplete")}  {Duration(took),8}  " +
            $"{run.New} new, {run.Changed} changed, {run.Deleted} deleted, {run.Unchanged} unchanged, {run.Skipped} skipped, {ByteSizes.Format(run.BytesSent)} sent";
    }

    public static string ItemJson(CatalogItem item) => JsonSerializer.Serialize(new
    {
        path = UserPaths.Full(item.Path),
        kind = item.Kind,
        size = item.Size,
        hash = item.Hash,
        modifiedAt = item.ModifiedAt?.ToLocalTime(),
        linkTarget = item.LinkTarget,
        versionAt = item.VersionAt.ToLocalTime(),
        versionId = item.VersionId,
        deletedAt = item.DeletedAt?.ToLocalTime(),
    }, Json);

    public static string RunJson(RunView run) => JsonSerializer.Serialize(run with
    {
        StartedAt = run.StartedAt.ToLocalTime(),
        FinishedAt = run.FinishedAt.ToLocalTime(),
    }, Json);

    public static string LinkJson(string catalogPath, string url, DateTimeOffset? expiresAt) =>
        JsonSerializer.Serialize(new { path = UserPaths.Full(catalogPath), url, expiresAt = expiresAt?.ToLocalTime() }, Json);

    private static string Duration(TimeSpan took) =>
        took.TotalHours >= 1 ? $"{(int)took.TotalHours}h{took.Minutes:00}m"
        : took.TotalMinutes >= 1 ? $"{took.Minutes}m{took.Seconds:00}s"
        : $"{took.TotalSeconds:0.0}s";
}

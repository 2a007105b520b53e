using System.Text.Json;
using System.Text.RegularExpressions;
using Backazon.Uploader.Cli;

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

    private static readonly string[] Keys = ["folders", "exclude", "interval", "maxUploadRate"];

    /// <summary>
    /// Reads config.json and checks all of it, so that every command that reads it (status and
    /// "backup --dry-run" included) refuses the same file with the same sentence: broken JSON, a
    /// key that is not a setting (a misspelt one would otherwise be ignored), a value of the wrong
    /// type or that does not parse, each with its line. No file: <see cref="Empty"/>.
    /// </summary>
    /// <exception cref="CliException">What is wrong, and where.</exception>
    public static BackupSettings Load(string file)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Empty;
        }

        BackupSettings? settings;
        try
        {
            using (var document = JsonDocument.Parse(text))
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new CliException($"{file} must hold one JSON object ({{ \"folders\": [...] }}): fix it or delete it.");
                }

                foreach (var property in document.RootElement.EnumerateObject())
                {
                    if (!Keys.Contains(property.Name, StringComparer.OrdinalIgnoreCase))
                    {
                        throw new CliException($"{file}, line {LineOf(text, property.Name)}: \"{property.Name}\" is not a setting; the settings are " +
                            $"{string.Join(", ", Keys[..^1].Select(k => $"\"{k}\""))} and \"{Keys[^1]}\".");
                    }
                }
            }

            settings = JsonSerializer.Deserialize<BackupSettings>(text, JsonFile.Options);
        }
        catch (JsonException e) when (e.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal))
        {
            var key = path[2..].Split('[', '.')[0];
            var expected = key.Equals("interval", StringComparison.OrdinalIgnoreCase) || key.Equals("maxUploadRate", StringComparison.OrdinalIgnoreCase)
                ? "a string (\"6h\", \"2MB\")" : "a list of strings";
            throw new CliException($"{file}, line {(e.LineNumber ?? 0) + 1}: \"{key}\" must be {expected}.");
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}" : "";
            throw new CliException($"{file} is not valid JSON{where}: fix it or delete it.");
        }

        settings ??= Empty;
        if (settings.Interval is { Length: > 0 } interval)
        {
            Duration.Parse(interval, $"{file}, line {LineOf(text, "interval")}: \"interval\"");
        }

        if (settings.MaxUploadRate is { Length: > 0 } rate)
        {
            UploadRate.Parse(rate, $"{file}, line {LineOf(text, "maxUploadRate")}: \"maxUploadRate\"");
        }

        return settings;
    }

    /// <summary>The line where a key of the file is written (the first one, as JSON readers keep the last: close enough to look at).</summary>
    private static int LineOf(string text, string key)
    {
        var match = Regex.Match(text, $"\"{Regex.Escape(key)}\"\\s*:", RegexOptions.IgnoreCase);
        return match.Success ? text[..match.Index].Count(c => c == '\n') + 1 : 1;
    }

    /// <summary>The folders to back up, as absolute paths: the listed ones, or the defaults.</summary>
    public IReadOnlyList<string> ResolvedFolders() =>
        Folders is { } listed ? [.. listed.Select(HomePath.Expand)] : DefaultFolders.Existing();

    public TimeSpan? ResolvedInterval() =>
        Interval is { Length: > 0 } text ? Duration.Parse(text, "\"interval\" in " + FileName) : null;

    public long? ResolvedMaxUploadRate() =>
        MaxUploadRate is { Length: > 0 } text ? UploadRate.Parse(text, "\"maxUploadRate\" in " + FileName) : null;
}

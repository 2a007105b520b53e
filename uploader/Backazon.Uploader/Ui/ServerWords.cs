using System.Globalization;
using System.Text.RegularExpressions;

namespace Backazon.Uploader.Ui;

/// <summary>
/// The server's sentences as the CLI's own lines read: its times (UTC, "2026-11-25 13:00:05Z")
/// in the local form every other line uses, and the catalog paths a command asked about as the
/// person wrote them (with their leading '/', or ~).
/// </summary>
public static partial class ServerWords
{
    public static string Localize(string sentence, IEnumerable<string>? catalogPaths = null)
    {
        var local = UtcTime().Replace(sentence, m =>
            DateTimeOffset.TryParseExact(m.Value, "u", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? Times.Local(at) : m.Value);
        foreach (var path in catalogPaths ?? [])
        {
            local = local.Replace($"'{path}'", $"'{UserPaths.Show(path)}'", StringComparison.Ordinal);
        }

        return local;
    }

    [GeneratedRegex(@"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ")]
    private static partial Regex UtcTime();
}

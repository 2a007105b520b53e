using System.Globalization;
using System.Text.RegularExpressions;
using Backazon.Uploader.Cli;

namespace Backazon.Uploader.Configuration;

/// <summary>Durations as a person types them: <c>45s</c>, <c>30m</c>, <c>6h</c>, <c>1d</c>,
/// <c>2w</c>, or <c>hh:mm:ss</c>.</summary>
public static partial class Duration
{
    public static TimeSpan Parse(string text, string what)
    {
        var match = Unit().Match(text.Trim());
        if (match.Success)
        {
            var n = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            var value = match.Groups[2].Value switch
            {
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                "d" => TimeSpan.FromDays(n),
                _ => TimeSpan.FromDays(7 * n),
            };
            if (value > TimeSpan.Zero)
            {
                return value;
            }
        }
        else if (TimeSpan.TryParseExact(text.Trim(), "c", CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero)
        {
            return span;
        }

        throw new CliException($"{what} '{text}' is not a duration; write it like 30m, 6h or 1d.");
    }

    [GeneratedRegex(@"^(\d{1,6})\s*(s|m|h|d|w)$")]
    private static partial Regex Unit();
}

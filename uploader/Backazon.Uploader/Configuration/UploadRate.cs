using System.Globalization;
using System.Text.RegularExpressions;
using Backazon.Uploader.Cli;

namespace Backazon.Uploader.Configuration;

/// <summary>An upload rate as a person types it: a size per second, <c>2MB</c>, <c>500KB/s</c>,
/// in the decimal units every size Backazon prints is in (1 KB = 1,000 bytes; <c>KiB</c> and
/// <c>MiB</c> are 1,024-based); <c>0</c> or <c>unlimited</c> for no limit.</summary>
public static partial class UploadRate
{
    public static long Parse(string text, string what)
    {
        var trimmed = text.Trim();
        if (trimmed is "0" or "unlimited")
        {
            return 0;
        }

        var match = Size().Match(trimmed);
        if (match.Success && double.TryParse(match.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            var unit = match.Groups[2].Value.ToUpperInvariant();
            var bytes = number * unit switch
            {
                "" or "B" => 1,
                "K" or "KB" => 1e3,
                "M" or "MB" => 1e6,
                "G" or "GB" => 1e9,
                "KIB" => 1024,
                "MIB" => 1024 * 1024,
                _ => 1024 * 1024 * 1024,
            };
            if (bytes >= 1000)
            {
                return (long)bytes;
            }
        }

        throw new CliException($"{what} '{text}' is not an upload rate; write it like 2MB or 500KB (per second), at least 1KB, or 0 for no limit.");
    }

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)\s*(B|KB?|MB?|GB?|KiB|MiB|GiB)?(?:/s)?$", RegexOptions.IgnoreCase)]
    private static partial Regex Size();
}

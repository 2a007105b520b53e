using Backazon.Uploader.Commands;
using Humanizer;

namespace Backazon.Uploader.Configuration;

/// <summary>An upload rate as a person types it: a size per second, <c>2MB</c>, <c>500KB/s</c>
/// (1 KB = 1,024 bytes, as the sizes Backazon prints); <c>0</c> or <c>unlimited</c> for no limit.</summary>
public static class UploadRate
{
    public static long Parse(string text, string what)
    {
        var trimmed = text.Trim();
        if (trimmed is "0" or "unlimited")
        {
            return 0;
        }

        if (trimmed.EndsWith("/s", StringComparison.OrdinalIgnoreCase))
        {
            trimmed = trimmed[..^2];
        }

        if (ByteSize.TryParse(trimmed, System.Globalization.CultureInfo.InvariantCulture, out var size) && size.Bytes >= 1024)
        {
            return (long)size.Bytes;
        }

        throw new CliException($"{what} '{text}' is not an upload rate; write it like 2MB or 500KB (per second), at least 1KB, or 0 for no limit.");
    }
}

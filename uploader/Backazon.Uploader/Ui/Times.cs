using System.Globalization;

namespace Backazon.Uploader.Ui;

/// <summary>Times as a person reads them: local, to the second, with the zone.</summary>
public static class Times
{
    public static string Local(DateTimeOffset at) => at.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture);
}

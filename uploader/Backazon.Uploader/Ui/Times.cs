using System.Globalization;

namespace Backazon.Uploader.Ui;

/// <summary>Times as a person reads them: local, to the second, with the zone; and read back.</summary>
public static class Times
{
    public const string Format = "yyyy-MM-dd HH:mm:ss zzz";

    public static string Local(DateTimeOffset at) => at.ToLocalTime().ToString(Format, CultureInfo.InvariantCulture);

    /// <summary>
    /// Reads a moment as <see cref="Local"/> prints it ("2026-11-25 14:00:05 +01:00"), or as ISO
    /// 8601 ("2026-11-25T14:00", "...Z", with or without seconds and their fraction); without a
    /// zone it is local time. A time written without a fraction of a second stands for the end
    /// of that second: times are printed to the second while versions are recorded to the tick,
    /// so "--at" the second a version shows must include that version (14:00:05.4 is "as of
    /// 14:00:05"). A version recorded later in the same second would be included too; the
    /// version ids tell those apart ("restore --version").
    /// </summary>
    public static bool TryParse(string text, out DateTimeOffset at)
    {
        if (!DateTimeOffset.TryParseExact(text.Trim(), Format, CultureInfo.InvariantCulture, DateTimeStyles.None, out at)
            && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out at))
        {
            return false;
        }

        if (at.Ticks % TimeSpan.TicksPerSecond == 0)
        {
            at = at.AddTicks(TimeSpan.TicksPerSecond - 1);
        }

        return true;
    }

    /// <summary>The latest time <see cref="Local"/> can print that still lies before
    /// <paramref name="at"/> once read back by <see cref="TryParse"/> (the end of the second
    /// before the one <paramref name="at"/> falls in).</summary>
    public static DateTimeOffset SecondBefore(DateTimeOffset at) =>
        new DateTimeOffset(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero).AddSeconds(-1);
}

using System.Security.Cryptography;
using System.Text;

namespace Backazon.Uploader.Agent;

/// <summary>
/// When the agent backs up: every <see cref="Interval"/> (a day unless configured), at times
/// offset by a phase drawn from the device id, so a customer base does not all start at
/// midnight. Times are on the wall clock: a run missed while the machine slept or was off is due
/// as soon as the agent looks again, and a device that never finished a backup is due at once.
/// </summary>
public sealed record Schedule(TimeSpan Interval, TimeSpan Phase)
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromDays(1);

    public static Schedule For(string deviceId, TimeSpan? interval)
    {
        var every = interval ?? DefaultInterval;
        var draw = BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(deviceId)), 0);
        return new Schedule(every, TimeSpan.FromTicks((long)(draw % (ulong)every.Ticks)));
    }

    /// <summary>The next run after the last complete backup (started at <paramref name="lastSuccess"/>):
    /// the first slot at least half an interval later, so a backup run by hand just before a slot
    /// does not cause a second one at once.</summary>
    public DateTimeOffset NextRun(DateTimeOffset? lastSuccess)
    {
        if (lastSuccess is not { } last)
        {
            return DateTimeOffset.MinValue;
        }

        var earliest = last + Interval / 2;
        var sinceEpoch = (earliest - DateTimeOffset.UnixEpoch - Phase).Ticks;
        var slots = sinceEpoch <= 0 ? 0 : (sinceEpoch + Interval.Ticks - 1) / Interval.Ticks;
        return DateTimeOffset.UnixEpoch + Phase + TimeSpan.FromTicks(slots * Interval.Ticks);
    }
}

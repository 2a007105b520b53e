using System.Diagnostics;
using System.Globalization;

namespace Backazon.Bench.Measuring;

/// <summary>
/// A customer's line between the tools and the store, made on loopback by the counting proxies
/// (this kernel has no netem): every request waits half a round trip on its way out and its answer
/// half a round trip on its way back, a new connection pays two round trips more (the TCP and TLS
/// 1.3 handshakes a real HTTPS connection costs), and the bytes of all connections share one rate
/// each way, as they share a customer's line. The backend's own storage traffic does not cross it.
/// </summary>
public sealed class NetworkLink(TimeSpan roundTrip, double megabitsPerSecond)
{
    public TimeSpan RoundTrip => roundTrip;
    public double MegabitsPerSecond => megabitsPerSecond;

    /// <summary>From the tools to the store and the API.</summary>
    public LinePace Up { get; } = new(megabitsPerSecond * 1e6 / 8);

    /// <summary>From the store and the API to the tools.</summary>
    public LinePace Down { get; } = new(megabitsPerSecond * 1e6 / 8);

    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"{roundTrip.TotalMilliseconds:F0} ms round trip, {megabitsPerSecond:G} Mbit/s each way");

    public Task HalfTripAsync(CancellationToken cancellationToken) => Task.Delay(roundTrip / 2, cancellationToken);

    /// <summary>The handshakes of a new connection: TCP's, then TLS 1.3's, a round trip each.</summary>
    public Task HandshakesAsync(CancellationToken cancellationToken) => Task.Delay(roundTrip * 2, cancellationToken);

    /// <summary>"40/100": 40 ms round trip, 100 Mbit/s.</summary>
    public static NetworkLink Parse(string text)
    {
        var parts = text.Split('/');
        return parts.Length == 2
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var megabits) && megabits > 0
            ? new NetworkLink(TimeSpan.FromMilliseconds(milliseconds), megabits)
            : throw new ArgumentException($"--network takes ROUND_TRIP_MS/MBIT_PER_S, such as 40/100; not '{text}'.");
    }
}

/// <summary>One direction of a line: bytes go out one after another at its rate, whichever
/// connection they belong to; a sender waits until its bytes would have left.</summary>
public sealed class LinePace(double bytesPerSecond)
{
    private readonly Lock _lock = new();
    private long _free = Stopwatch.GetTimestamp(); // when the line has sent everything queued so far

    public Task SendAsync(long bytes, CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        long done;
        lock (_lock)
        {
            _free = Math.Max(_free, now) + (long)(bytes / bytesPerSecond * Stopwatch.Frequency);
            done = _free;
        }

        var wait = Stopwatch.GetElapsedTime(now, done);
        return wait > TimeSpan.FromMilliseconds(1) ? Task.Delay(wait, cancellationToken) : Task.CompletedTask;
    }
}

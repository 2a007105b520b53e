namespace Backazon.Bench.Measuring;

/// <summary>Who made a request: the tool being measured, or the Backazon backend (its own storage
/// calls, signed with the account key, and Azurite's fetches of copy sources it named).</summary>
public enum Party
{
    Client,
    Backend,
}

/// <summary>Requests and bytes, each way, as seen on the wire by a <see cref="CountingProxy"/>.</summary>
public sealed record Traffic(long Requests, long BytesSent, long BytesReceived)
{
    public static Traffic None { get; } = new(0, 0, 0);

    public static Traffic operator +(Traffic a, Traffic b) => new(a.Requests + b.Requests, a.BytesSent + b.BytesSent, a.BytesReceived + b.BytesReceived);

    public static Traffic operator -(Traffic a, Traffic b) => new(a.Requests - b.Requests, a.BytesSent - b.BytesSent, a.BytesReceived - b.BytesReceived);
}

/// <summary>Thread-safe running totals for one party.</summary>
public sealed class TrafficCounter
{
    private long _requests;
    private long _sent;
    private long _received;

    public Traffic Total => new(Interlocked.Read(ref _requests), Interlocked.Read(ref _sent), Interlocked.Read(ref _received));

    public void CountRequest(long headerBytes)
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _sent, headerBytes);
    }

    public void CountSent(long bytes) => Interlocked.Add(ref _sent, bytes);

    public void CountReceived(long bytes) => Interlocked.Add(ref _received, bytes);
}

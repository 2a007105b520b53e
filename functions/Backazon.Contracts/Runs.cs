namespace Backazon.Contracts;

/// <summary>One backup run of a device as it reported it (see <see cref="RunReport"/>).</summary>
public sealed record RunView(
    string DeviceId,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    int New,
    int Changed,
    int Unchanged,
    int Deleted,
    int Skipped,
    long BytesSent,
    bool Complete);

/// <summary>A page of runs, newest first; pass <paramref name="Continuation"/> back for older
/// ones (null: there are none).</summary>
public sealed record RunPage(IReadOnlyList<RunView> Items, string? Continuation);

public static class RunLimits
{
    /// <summary>Runs per page unless the caller asks for fewer.</summary>
    public const int PageSize = 100;
}

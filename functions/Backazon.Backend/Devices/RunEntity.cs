using Azure;
using Azure.Data.Tables;
using Backazon.Backend.Plans;

namespace Backazon.Backend.Devices;

/// <summary>
/// One backup run a device reported, in its account's partition of the Accounts table (so the
/// run and the device's "last report" are written in one transaction): "run:{device}:{inverted
/// start time}", so a device's runs are one key range, newest first, and a report sent twice
/// (a retry after a lost answer) writes the same row.
/// </summary>
public sealed class RunEntity : ITableEntity
{
    public const string RowPrefix = "run:";

    /// <summary>The first key after every run row (';' follows ':').</summary>
    public const string RowsEnd = "run;";

    /// <summary>
    /// Run rows are kept as long as the plan keeps old versions, at most a year: a run older than
    /// the history describes versions that may be gone, and a plan that keeps versions forever
    /// would otherwise grow a row per run for ever (an hourly agent: 8,760 a year).
    /// </summary>
    public const int MaxKeptDays = 365;

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string DeviceId { get; set; } = "";
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset FinishedAt { get; set; }
    public int New { get; set; }
    public int Changed { get; set; }
    public int Unchanged { get; set; }
    public int Deleted { get; set; }
    public int Skipped { get; set; }
    public long BytesSent { get; set; }
    public bool Complete { get; set; }

    public static string DevicePrefix(string deviceId) => $"{RowPrefix}{deviceId}:";

    /// <summary>The first key after every run of the device.</summary>
    public static string DeviceEnd(string deviceId) => $"{RowPrefix}{deviceId};";

    public static string RowFor(string deviceId, DateTimeOffset startedAt) => DevicePrefix(deviceId) + Inverted(startedAt);

    /// <summary>Counts down, so later runs sort first; 19 digits keep the order of the text.</summary>
    public static string Inverted(DateTimeOffset at) => (DateTime.MaxValue.Ticks - at.UtcTicks).ToString("D19");

    public static TimeSpan KeptFor(Plan plan) =>
        TimeSpan.FromDays(plan.VersionHistoryDays is > 0 and < MaxKeptDays ? plan.VersionHistoryDays : MaxKeptDays);
}

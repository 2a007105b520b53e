using Azure;
using Azure.Data.Tables;

namespace Backazon.Backend.Uploads;

/// <summary>A batch of changes a device reported ("commit:{id}"); the manifest itself is a blob.</summary>
public sealed class CommitEntity : ITableEntity
{
    public const string RowPrefix = "commit:";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string DeviceId { get; set; } = "";
    public DateTimeOffset CommittedAt { get; set; }
    public int Changes { get; set; }
    public string State { get; set; } = "";
    public int Cataloged { get; set; }

    /// <summary>SHA-256 of the request's changes and grants: a retry under the same id must
    /// carry the same body (null in rows from before it was kept).</summary>
    public string? BodyHash { get; set; }

    /// <summary>How often the sweeper queued it again; past <see cref="GrantSweeper.MaxRequeues"/>
    /// it ends <see cref="Contracts.CommitStates.Failed"/>.</summary>
    public int Requeues { get; set; }

    /// <summary>JSON list of rejected files (path and reason).</summary>
    public string? RejectedJson { get; set; }

    public string CommitId => RowKey[RowPrefix.Length..];

    public static string RowFor(string commitId) => RowPrefix + commitId;
}

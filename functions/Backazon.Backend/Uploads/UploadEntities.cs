using Azure;
using Azure.Data.Tables;

namespace Backazon.Backend.Uploads;

/// <summary>
/// Verified content the account holds ("content:{sha256}" in the account's partition). Its
/// existence is what "already stored" means, and it is added in the same transaction that
/// counts its bytes, so usage can never count content twice or miss it.
/// </summary>
public sealed class ContentEntity : ITableEntity
{
    public const string RowPrefix = "content:";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public long Size { get; set; }
    public DateTimeOffset VerifiedAt { get; set; }

    /// <summary>When set, retention checks after this moment whether any catalog version still
    /// points at the content and releases it if none does. Set at verification and when a version
    /// pointing at it is removed; cleared when a commit uses it again (see Retention/README.md).</summary>
    public DateTimeOffset? CheckReferencesAfter { get; set; }

    public string Hash => RowKey[RowPrefix.Length..];

    public static string RowFor(string hash) => RowPrefix + hash;
}

/// <summary>
/// Permission to upload one content ("grant:{sha256}"): its bytes are reserved against the quota
/// until the content is verified or the grant is swept. Devices uploading the same content share
/// one grant and one staging blob.
/// </summary>
public sealed class GrantEntity : ITableEntity
{
    public const string RowPrefix = "grant:";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public long Size { get; set; }
    public string StagingBlob { get; set; } = "";
    public string DeviceId { get; set; } = "";
    public DateTimeOffset IssuedAt { get; set; }

    /// <summary>After this, the sweeper settles the grant (verifies what arrived, or releases it).</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    public string Hash => RowKey[RowPrefix.Length..];

    public static string RowFor(string hash) => RowPrefix + hash;
}

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

    /// <summary>JSON list of rejected files (path and reason).</summary>
    public string? RejectedJson { get; set; }

    public string CommitId => RowKey[RowPrefix.Length..];

    public static string RowFor(string commitId) => RowPrefix + commitId;
}

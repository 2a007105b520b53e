using Azure;
using Azure.Data.Tables;

namespace Backazon.Backend.Accounts;

/// <summary>
/// One partition per account in the Accounts table: the account row ("account") and one row per
/// device ("device:{id}"), so an enrollment can update both in one transaction.
/// </summary>
public sealed class AccountEntity : ITableEntity
{
    public const string Row = "account";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Name { get; set; } = "";
    public string PlanId { get; set; } = "";
    public string Status { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset StatusChangedAt { get; set; }

    /// <summary>Bytes of content cataloged and counted against the quota.</summary>
    public long UsedBytes { get; set; }

    /// <summary>Bytes granted for upload but not yet cataloged (they count against the quota too).</summary>
    public long ReservedBytes { get; set; }

    /// <summary>Devices enrolled and not revoked (checked against the plan's device limit).</summary>
    public int ActiveDevices { get; set; }

    /// <summary>The operator stopped the purge of this canceled account (until released).</summary>
    public bool PurgeHeld { get; set; }

    /// <summary>When the purge deleted the account's data (status "purged").</summary>
    public DateTimeOffset? PurgedAt { get; set; }
}

public sealed class DeviceEntity : ITableEntity
{
    public const string RowPrefix = "device:";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Name { get; set; } = "";

    /// <summary>The operating system the computer said it runs when it enrolled (shown to members).</summary>
    public string? Os { get; set; }
    public string SecretHash { get; set; } = "";
    public DateTimeOffset EnrolledAt { get; set; }
    public DateTimeOffset? LastSeenAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>Set when another computer took this device over (<c>enroll --replaces</c>): the
    /// hash of the secret the replaced computer still holds, its name, and when, so that computer
    /// hears why it is refused rather than an unknown-token error.</summary>
    public string? ReplacedSecretHash { get; set; }
    public string? ReplacedName { get; set; }
    public DateTimeOffset? ReplacedAt { get; set; }

    /// <summary>When the device last finished a backup run that sent everything it found.</summary>
    public DateTimeOffset? LastBackupAt { get; set; }

    /// <summary>Uploads of this device whose bytes did not match what it declared (size or hash),
    /// and how many bytes they held, since <see cref="RejectedSince"/>: counted against it, and
    /// past a limit its backups stop. Read them through <see cref="RejectedUploadsAt"/>.</summary>
    public int RejectedUploads { get; set; }
    public long RejectedBytes { get; set; }

    /// <summary>When the current run of rejections began.</summary>
    public DateTimeOffset? RejectedSince { get; set; }

    /// <summary>How long a run of rejections counts: a device that sent no wrong bytes for this
    /// long starts from zero again, so what it takes to be stopped is many wrong uploads close
    /// together — a device lying on purpose — never a few honest accidents over its life.</summary>
    public static readonly TimeSpan RejectionWindow = TimeSpan.FromDays(7);

    /// <summary>The rejections that count at <paramref name="now"/> (none once the window passed;
    /// rows from before the window was kept count none).</summary>
    public int RejectedUploadsAt(DateTimeOffset now) =>
        RejectedSince is { } since && now - since < RejectionWindow ? RejectedUploads : 0;

    public void CountRejection(long bytes, DateTimeOffset now)
    {
        if (RejectedUploadsAt(now) == 0)
        {
            (RejectedUploads, RejectedBytes, RejectedSince) = (0, 0, now);
        }

        RejectedUploads++;
        RejectedBytes += bytes;
    }

    /// <summary>The operator (or the device's owner) says the rejections were not the device's fault.</summary>
    public void ClearRejections() => (RejectedUploads, RejectedBytes, RejectedSince) = (0, 0, null);

    /// <summary>The device's last run report, as JSON.</summary>
    public string? LastReport { get; set; }

    /// <summary>When the daily check found the device without a completed backup for too long;
    /// cleared once it completes one again.</summary>
    public DateTimeOffset? StaleSince { get; set; }

    /// <summary>When the stale-device webhook was told about <see cref="StaleSince"/>.</summary>
    public DateTimeOffset? StaleNotifiedAt { get; set; }

    public string DeviceId => RowKey[RowPrefix.Length..];

    public static string RowFor(string deviceId) => RowPrefix + deviceId;
}

/// <summary>A single-use enrollment code, keyed by the code's hash (the code is never stored).</summary>
public sealed class EnrollmentCodeEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "code";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string AccountId { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }
    public string? UsedByDevice { get; set; }
}

using Azure;
using Azure.Data.Tables;

namespace Backazon.Backend.Customers;

/// <summary>A computer asking to be linked, in the EnrollmentCodes table keyed by the hash of its
/// device code (which only the computer holds; neither code is stored).</summary>
public sealed class DeviceLinkEntity : ITableEntity
{
    public const string Row = "device-link";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string DeviceName { get; set; } = "";
    public string? Os { get; set; }
    public DateTimeOffset RequestedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public int IntervalSeconds { get; set; }
    public DateTimeOffset? LastPolledAt { get; set; }
    public string State { get; set; } = "";

    /// <summary>The computer the asking one wants to take over, by the name it gave; and the device
    /// the approval settled on (its id), whose history the new computer continues.</summary>
    public string? Replaces { get; set; }
    public string? ReplacesDeviceId { get; set; }

    /// <summary>Set by the approval: the account the computer joins, and who approved.</summary>
    public string? AccountId { get; set; }
    public string? ApprovedByMember { get; set; }

    /// <summary>Set once the computer polled after approval: its device, or why none was made.</summary>
    public string? DeviceId { get; set; }
    public string? Refusal { get; set; }
}

/// <summary>The user code's row, keyed by its hash: leads a member's approval to the request.</summary>
public sealed class UserCodeEntity : ITableEntity
{
    public const string Row = "user-code";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string DeviceCodeHash { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }
}

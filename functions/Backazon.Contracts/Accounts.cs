namespace Backazon.Contracts;

/// <summary>What a plan promises: limits and the history it keeps.</summary>
public sealed record PlanView(
    string Id,
    string DisplayName,
    long StorageQuotaBytes,
    int DeviceLimit,
    long MaxFileBytes,
    int VersionHistoryDays,
    int DeletedRetentionDays);

public sealed record DeviceView(
    string Id,
    string Name,
    DateTimeOffset EnrolledAt,
    DateTimeOffset? LastSeenAt,
    bool Revoked,
    int RejectedUploads = 0);

public sealed record AccountView(
    string Id,
    string Name,
    string Status,
    PlanView Plan,
    long UsedBytes,
    long ReservedBytes,
    IReadOnlyList<DeviceView> Devices,
    DateTimeOffset CreatedAt);

/// <summary>One account in the operator's list: enough to find it; "admin account show" has the rest.</summary>
public sealed record AccountSummary(string Id, string Name, string Status, string PlanId, long UsedBytes, int ActiveDevices, DateTimeOffset CreatedAt);

/// <summary>A page of the operator's account list; pass <c>Continuation</c> back for the next one
/// (null: that was the last).</summary>
public sealed record AccountPage(IReadOnlyList<AccountSummary> Items, string? Continuation);

/// <summary>Operator: open an account on a plan.</summary>
public sealed record CreateAccountRequest(string? Name, string? Plan);

/// <summary>Operator: change an account's plan and/or status. Null leaves a field as it is.</summary>
public sealed record UpdateAccountRequest(string? Plan, string? Status);

public sealed record EnrollmentCodeView(string Code, string AccountId, DateTimeOffset ExpiresAt);

/// <summary>Device: trade a single-use code for a device identity. <paramref name="Replaces"/>: the
/// name or id of a computer of the account this one takes over (its history continues here, and
/// it can no longer back up).</summary>
public sealed record EnrollRequest(string? Code, string? DeviceName, string? Os = null, string? Replaces = null);

/// <summary>The one response that ever carries the device token; the backend keeps only its hash.
/// <paramref name="Replaced"/>: the name of the computer this one took over, if it took one over.</summary>
public sealed record EnrollResponse(string AccountId, string DeviceId, string DeviceName, string Token, string? Replaced = null);

public sealed record HealthView(string Status, string Version);

/// <summary>The status names an account can have.</summary>
public static class AccountStatuses
{
    public const string Active = "active";
    public const string PastDue = "past_due";
    public const string Suspended = "suspended";
    public const string Canceled = "canceled";

    /// <summary>Terminal: the account's data was deleted after cancellation. Nothing can be restored.</summary>
    public const string Purged = "purged";

    /// <summary>The statuses an operator can set (purged is reached only by the purge itself).</summary>
    public static readonly IReadOnlyList<string> All = [Active, PastDue, Suspended, Canceled];
}

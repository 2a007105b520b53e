using Azure;
using Azure.Data.Tables;
using Backazon.Backend.Security;

namespace Backazon.Backend.Customers;

/// <summary>
/// Which account an identity (issuer, subject) belongs to: one row per identity in the Members
/// table, keyed by a hash of the pair (an issuer is a URL, which a table key cannot hold), so a
/// signed-in call costs one point read. Its key is the reason an identity has at most one account.
/// </summary>
public sealed class IdentityEntity : ITableEntity
{
    public const string Row = "identity";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string AccountId { get; set; } = "";
    public string MemberId { get; set; } = "";
    public string Issuer { get; set; } = "";
    public string Subject { get; set; } = "";

    public static string KeyFor(string issuer, string subject) => Secrets.Hash(issuer + "\n" + subject);
}

/// <summary>A person of an account, in the account's partition of the Accounts table
/// ("member:{id}"), so the operator lists an account's people with one partition range.</summary>
public sealed class MemberEntity : ITableEntity
{
    public const string RowPrefix = "member:";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>The e-mail the invitation was sent to.</summary>
    public string Email { get; set; } = "";
    public string Issuer { get; set; } = "";
    public string IdentityKey { get; set; } = "";
    public DateTimeOffset JoinedAt { get; set; }

    public string MemberId => RowKey[RowPrefix.Length..];

    public static string RowFor(string memberId) => RowPrefix + memberId;
}

/// <summary>A single-use invitation, in the EnrollmentCodes table beside the device codes and keyed
/// the same way: by the token's hash (the token itself is never stored).</summary>
public sealed class InvitationEntity : ITableEntity
{
    public const string Row = "invitation";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string AccountId { get; set; } = "";
    public string Email { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }
    public string? UsedByMember { get; set; }
}

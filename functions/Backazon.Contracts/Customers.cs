namespace Backazon.Contracts;

/// <summary>Operator: invite a person to an account by e-mail.</summary>
public sealed record CreateInvitationRequest(string? Email);

/// <summary>The one response that carries an invitation's token (the backend keeps its hash):
/// the operator sends <paramref name="Link"/> to the person, who signs in and accepts it.</summary>
public sealed record InvitationView(string AccountId, string Email, string Token, string Link, DateTimeOffset ExpiresAt);

/// <summary>Customer: accept an invitation (the token from its link) with the identity signed in.</summary>
public sealed record AcceptInvitationRequest(string? Token);

/// <summary>A person of an account: who signed in through which invitation, and when.</summary>
public sealed record MemberView(string Id, string AccountId, string Email, string Issuer, DateTimeOffset JoinedAt);

/// <summary>A computer of the account as its members see it. <paramref name="Stale"/>: no complete
/// backup for longer than the operator's limit. <paramref name="PendingFiles"/>: files its last run
/// could not back up (skipped, each with a reason on the computer); null before its first report.</summary>
public sealed record CustomerDeviceView(
    string Id,
    string Name,
    string? Os,
    DateTimeOffset EnrolledAt,
    DateTimeOffset? LastSeenAt,
    DateTimeOffset? LastCompleteBackupAt,
    bool Stale,
    int? PendingFiles,
    bool LastRunComplete,
    bool Revoked);

/// <summary>The signed-in member's account: plan (with its history), quota used of total, status.
/// <paramref name="SignedInAs"/> is the identity of this sign-in (its e-mail claim, else its
/// subject), which may differ from the address the member's invitation was sent to.</summary>
public sealed record CustomerAccountView(
    string Id,
    string Name,
    string Status,
    PlanView Plan,
    long UsedBytes,
    long QuotaBytes,
    MemberView Member,
    IReadOnlyList<CustomerDeviceView> Devices,
    string? SignedInAs = null);

/// <summary>Customer: rename a computer.</summary>
public sealed record RenameDeviceRequest(string? Name);

/// <summary>A computer asks to be linked (RFC 8628 device authorization request): what the member
/// who approves it will see. <paramref name="Replaces"/>: the name of a computer of the account it
/// asks to take over (<c>enroll --replaces</c>); the member decides on approving.</summary>
public sealed record DeviceLinkRequest(string? DeviceName, string? Os, string? Replaces = null);

/// <summary>Customer: approve a computer's link. <paramref name="Replaces"/>: the id of a computer of
/// the account the new one takes over (history continues on it, the old one stops); null takes the
/// computer's own wish (<see cref="DeviceLinkView.Replaces"/>), or links it as a computer of its own.</summary>
public sealed record ApproveDeviceLinkRequest(string? Replaces);

/// <summary>RFC 8628 §3.2's answer: the computer shows <paramref name="UserCode"/> and
/// <paramref name="VerificationUri"/>, and polls with <paramref name="DeviceCode"/> every
/// <paramref name="Interval"/> seconds until approved, denied or expired.</summary>
public sealed record DeviceAuthorizationResponse(
    [property: System.Text.Json.Serialization.JsonPropertyName("device_code")] string DeviceCode,
    [property: System.Text.Json.Serialization.JsonPropertyName("user_code")] string UserCode,
    [property: System.Text.Json.Serialization.JsonPropertyName("verification_uri")] string VerificationUri,
    [property: System.Text.Json.Serialization.JsonPropertyName("verification_uri_complete")] string VerificationUriComplete,
    [property: System.Text.Json.Serialization.JsonPropertyName("expires_in")] int ExpiresIn,
    [property: System.Text.Json.Serialization.JsonPropertyName("interval")] int Interval);

/// <summary>RFC 8628 §3.4's poll. Approved, it is answered as an enrollment is (<see cref="EnrollResponse"/>);
/// otherwise with a ProblemDetails whose "error" is one of <see cref="DeviceLinkErrors"/>.</summary>
public sealed record DeviceTokenRequest(
    [property: System.Text.Json.Serialization.JsonPropertyName("grant_type")] string? GrantType,
    [property: System.Text.Json.Serialization.JsonPropertyName("device_code")] string? DeviceCode);

/// <summary>RFC 8628 §3.5's error codes, as the "error" member of the poll's ProblemDetails.</summary>
public static class DeviceLinkErrors
{
    public const string GrantType = "urn:ietf:params:oauth:grant-type:device_code";
    public const string AuthorizationPending = "authorization_pending";
    public const string SlowDown = "slow_down";
    public const string AccessDenied = "access_denied";
    public const string ExpiredToken = "expired_token";
    public const string InvalidGrant = "invalid_grant";
}

public static class DeviceLinkStates
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Denied = "denied";

    /// <summary>The computer received its credentials (or was refused them: see the poll's answer).</summary>
    public const string Done = "done";
}

/// <summary>What a member sees of a computer asking to be linked before approving it.
/// <paramref name="Replaces"/>: the computer it asked to take over, by the name it gave (null: none).</summary>
public sealed record DeviceLinkView(string UserCode, string DeviceName, string? Os, DateTimeOffset RequestedAt, DateTimeOffset ExpiresAt, string State, string? Replaces = null);

/// <summary>Where and how a web page signs customers in: the issuer (its discovery document is at
/// {Authority}/.well-known/openid-configuration), the public client and the scopes to ask for.
/// Null fields: customer sign-in is not configured.</summary>
public sealed record SignInConfigurationView(string? Authority, string? ClientId, string? Scope);

/// <summary>A self-contained build of the uploader a member can download: for which system
/// (<paramref name="Runtime"/> is .NET's runtime identifier, e.g. linux-x64), through a signed
/// read link of limited life.</summary>
public sealed record UploaderBuildView(string Runtime, string System, string FileName, long Size, string DownloadUrl, DateTimeOffset ExpiresAt);

namespace Backazon.Backend.Security;

/// <summary>An authenticated device: every device call is scoped to this account.</summary>
public sealed record DeviceCaller(string AccountId, string DeviceId);

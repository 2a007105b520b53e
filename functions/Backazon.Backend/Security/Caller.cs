namespace Backazon.Backend.Security;

/// <summary>An authenticated device: every device call is scoped to this account.</summary>
/// <paramref name="RejectedUploads"/>: how many of its uploads failed the backend's check lately (<see cref="Accounts.DeviceEntity.RejectedUploadsAt"/>).
public sealed record DeviceCaller(string AccountId, string DeviceId, int RejectedUploads = 0);

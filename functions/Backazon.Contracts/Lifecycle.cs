namespace Backazon.Contracts;

/// <summary>A canceled account and when its data will be purged (the first daily sweep on or
/// after <paramref name="PurgeAt"/>), unless the operator holds it.</summary>
public sealed record ScheduledPurgeView(
    string AccountId,
    string Name,
    string PlanId,
    DateTimeOffset CanceledAt,
    DateTimeOffset PurgeAt,
    bool Held,
    long UsedBytes);

/// <summary>A device that has not completed a backup for longer than the stale-device limit.</summary>
public sealed record StaleDeviceView(
    string AccountId,
    string DeviceId,
    string DeviceName,
    DateTimeOffset EnrolledAt,
    DateTimeOffset? LastBackupAt,
    DateTimeOffset StaleSince,
    DateTimeOffset? NotifiedAt);

/// <summary>What the stale-device webhook receives (POST, JSON), once per device each time it
/// becomes stale.</summary>
public sealed record StaleDeviceNotification(
    string Event,
    string AccountId,
    string DeviceId,
    string DeviceName,
    DateTimeOffset? LastBackupAt,
    DateTimeOffset StaleSince)
{
    public const string StaleEvent = "device.stale";
}

/// <summary>An account's usage recomputed from its content rows and from the blobs in storage.
/// <paramref name="Consistent"/> when all three agree and every row has its blob.</summary>
public sealed record UsageRecountView(
    string AccountId,
    long RecordedBytes,
    long ContentRowBytes,
    int ContentRows,
    long BlobBytes,
    int Blobs,
    IReadOnlyList<string> MissingBlobs,
    IReadOnlyList<string> OrphanBlobs,
    bool Consistent);

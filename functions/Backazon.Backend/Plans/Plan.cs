namespace Backazon.Backend.Plans;

/// <summary>
/// What a subscription plan allows and promises. Bound from configuration section
/// <c>Plans:{id}</c>; every field has a default so an override may name only what it changes.
/// </summary>
public sealed class Plan
{
    public string Id { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public long StorageQuotaBytes { get; set; }
    public int DeviceLimit { get; set; }
    public long MaxFileBytes { get; set; }

    /// <summary>Days old versions are kept; 0 means forever.</summary>
    public int VersionHistoryDays { get; set; }

    /// <summary>Days deleted files are kept; 0 means forever.</summary>
    public int DeletedRetentionDays { get; set; }
}

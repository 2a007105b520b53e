namespace Backazon.Backend.Configuration;

/// <summary>
/// Every application setting the backend reads, by the name it has in the function app's
/// settings (environment variables, where ':' is written '__'). The infrastructure tests compare
/// the compiled Bicep template against <see cref="ReadInAzure"/>, so the two cannot drift.
/// </summary>
public static class AppSettings
{
    /// <summary>The data storage connection. Locally: a connection string in this one setting.
    /// In Azure: the identity-based form below (the same names the Functions host's queue
    /// trigger binding reads for <c>Connection = "DataStorage"</c>).</summary>
    public const string DataStorage = "DataStorage";
    public const string DataStorageBlobServiceUri = "DataStorage__blobServiceUri";
    public const string DataStorageQueueServiceUri = "DataStorage__queueServiceUri";
    public const string DataStorageTableServiceUri = "DataStorage__tableServiceUri";
    public const string DataStorageCredential = "DataStorage__credential";
    public const string DataStorageClientId = "DataStorage__clientId";

    /// <summary>SHA-256 (lowercase hex) of the operator key. The key itself is never stored.</summary>
    public const string OperatorKeyHash = "Operator__KeyHash";

    /// <summary>Customer sign-in: the OpenID Connect issuer's address (its discovery document is
    /// read from there) and the audience its tokens must carry. Empty: customer sign-in is off.</summary>
    public const string CustomerSignInAuthority = "CustomerSignIn__Authority";
    public const string CustomerSignInAudience = "CustomerSignIn__Audience";

    /// <summary>The public client a web page signs customers in with, and the scopes it asks for
    /// (handed to the page by GET /api/sign-in).</summary>
    public const string CustomerSignInClientId = "CustomerSignIn__ClientId";
    public const string CustomerSignInScope = "CustomerSignIn__Scope";

    /// <summary>Lifetime of upload SAS URLs, in minutes.</summary>
    public const string UploadSasMinutes = "Sas__UploadMinutes";

    /// <summary>Lifetime of download links, in hours.</summary>
    public const string DownloadLinkHours = "Sas__DownloadHours";

    /// <summary>Six-field NCRONTAB schedule of the sweep of abandoned upload grants.</summary>
    public const string GrantSweepSchedule = "GRANT_SWEEP_SCHEDULE";

    /// <summary>Six-field NCRONTAB schedule of the daily retention fan-out.</summary>
    public const string RetentionSchedule = "RETENTION_SCHEDULE";

    /// <summary>Optional lifecycle settings (defaults in Retention/LifecycleOptions.cs): days from
    /// cancellation to purge (30), hours without a backup before a device is stale (36), the
    /// stale-device webhook (none), hours before unreferenced content is released (24), and the
    /// seconds an account sweep works before re-queuing itself (300).</summary>
    public const string PurgeAfterDays = "Lifecycle__PurgeAfterDays";
    public const string StaleDeviceHours = "Lifecycle__StaleDeviceHours";
    public const string StaleDeviceWebhookUrl = "Lifecycle__StaleDeviceWebhookUrl";
    public const string ContentReleaseDelayHours = "Lifecycle__ContentReleaseDelayHours";
    public const string SweepBudgetSeconds = "Lifecycle__SweepBudgetSeconds";

    /// <summary>Plans are configured as <c>Plans__{planId}__{field}</c>; these are the fields.</summary>
    public static readonly IReadOnlyList<string> PlanFields =
        ["DisplayName", "StorageQuotaBytes", "DeviceLimit", "MaxFileBytes", "VersionHistoryDays", "DeletedRetentionDays"];

    /// <summary>The settings a deployment in Azure must provide (identity-based storage).</summary>
    public static readonly IReadOnlyList<string> ReadInAzure =
    [
        DataStorageBlobServiceUri,
        DataStorageQueueServiceUri,
        DataStorageTableServiceUri,
        DataStorageCredential,
        DataStorageClientId,
        OperatorKeyHash,
        CustomerSignInAuthority,
        CustomerSignInAudience,
        CustomerSignInClientId,
        CustomerSignInScope,
        UploadSasMinutes,
        DownloadLinkHours,
        GrantSweepSchedule,
        RetentionSchedule,
        PurgeAfterDays,
        StaleDeviceHours,
        StaleDeviceWebhookUrl,
        ContentReleaseDelayHours,
        SweepBudgetSeconds,
    ];
}

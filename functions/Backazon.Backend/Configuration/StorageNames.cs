namespace Backazon.Backend.Configuration;

/// <summary>
/// Names of the containers, queues and tables in the data storage account. The backend creates
/// them when missing; the Bicep template declares the same ones (checked by the infra tests).
/// </summary>
public static class StorageNames
{
    /// <summary>File content, one blob per distinct content per account: "{accountId}/{sha256}".
    /// A device writes a blob once, through its grant's SAS for exactly that name, and the
    /// backend checks it where it lies, frozen first (see ContentVerifier).</summary>
    public const string ContentContainer = "content";

    /// <summary>Commit manifests "{accountId}/commits/{commitId}.json" while they wait for the
    /// catalog, and the lists of files a commit rejected.</summary>
    public const string UploadsContainer = "uploads";

    /// <summary>The uploader's self-contained builds, "{rid}/backazon" ("backazon.exe" on Windows),
    /// as uploader/publish.sh --upload puts them there; members download them through signed links.</summary>
    public const string UploaderContainer = "uploader";

    /// <summary>Completed upload batches waiting to be verified and cataloged.</summary>
    public const string CatalogQueue = "catalog";

    /// <summary>Per-file and per-account retention work.</summary>
    public const string RetentionQueue = "retention";

    public const string PoisonSuffix = "-poison";

    /// <summary>One partition per account: the account, its devices, its content, its open
    /// upload grants and its commits, so that usage changes atomically with what it counts.</summary>
    public const string AccountsTable = "Accounts";
    /// <summary>Single-use codes, each keyed by its hash: operator enrollment codes, invitations,
    /// and the device and user codes of computers asking to be linked.</summary>
    public const string EnrollmentCodesTable = "EnrollmentCodes";

    /// <summary>Signed-in identities (issuer, subject), each bound to the one account it belongs to.</summary>
    public const string MembersTable = "Members";

    /// <summary>File versions, one partition per (account, device, folder).</summary>
    public const string CatalogTable = "Catalog";

    /// <summary>Work keyed by when it comes due (expiring grants, commits to requeue), so the
    /// quarter-hourly sweep reads only what is due (see DueIndex).</summary>
    public const string DueTable = "Due";

    /// <summary>Which versions point at each content, one partition per account (see ReferenceIndex).</summary>
    public const string ReferencesTable = "References";

    public static readonly IReadOnlyList<string> Containers = [ContentContainer, UploadsContainer, UploaderContainer];
    public static readonly IReadOnlyList<string> Queues =
        [CatalogQueue, CatalogQueue + PoisonSuffix, RetentionQueue, RetentionQueue + PoisonSuffix];
    public static readonly IReadOnlyList<string> Tables =
        [AccountsTable, EnrollmentCodesTable, MembersTable, CatalogTable, DueTable, ReferencesTable];
}

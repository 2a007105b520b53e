namespace Backazon.Backend.Configuration;

/// <summary>
/// Names of the containers, queues and tables in the data storage account. The backend creates
/// them when missing; the Bicep template declares the same ones (checked by the infra tests).
/// </summary>
public static class StorageNames
{
    /// <summary>File content, one blob per distinct content per account: "{accountId}/{sha256}".</summary>
    public const string ContentContainer = "content";

    /// <summary>Completed upload batches waiting to be verified and cataloged.</summary>
    public const string CatalogQueue = "catalog";

    /// <summary>Per-file and per-account retention work.</summary>
    public const string RetentionQueue = "retention";

    public const string PoisonSuffix = "-poison";

    public const string AccountsTable = "Accounts";
    public const string EnrollmentCodesTable = "EnrollmentCodes";
    public const string CatalogTable = "Catalog";
    public const string GrantsTable = "Grants";
    public const string ContentTable = "Content";

    public static readonly IReadOnlyList<string> Containers = [ContentContainer];
    public static readonly IReadOnlyList<string> Queues =
        [CatalogQueue, CatalogQueue + PoisonSuffix, RetentionQueue, RetentionQueue + PoisonSuffix];
    public static readonly IReadOnlyList<string> Tables =
        [AccountsTable, EnrollmentCodesTable, CatalogTable, GrantsTable, ContentTable];
}

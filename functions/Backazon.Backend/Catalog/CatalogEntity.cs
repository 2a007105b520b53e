using Azure;
using Azure.Data.Tables;

namespace Backazon.Backend.Catalog;

/// <summary>One version of a file (kind file, symlink or deleted), or a folder marker (kind
/// folder, recorded when the folder is first seen).</summary>
public sealed class CatalogEntity : ITableEntity
{
    public const string FolderKind = "folder";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Path { get; set; } = "";
    public string Kind { get; set; } = "";
    public long Size { get; set; }
    public string? Hash { get; set; }
    public DateTimeOffset? ModifiedAt { get; set; }
    public string? LinkTarget { get; set; }

    /// <summary>A file's Unix permission bits, where the device has them.</summary>
    public int? Mode { get; set; }
    public DateTimeOffset CommittedAt { get; set; }
    public string CommitId { get; set; } = "";
}

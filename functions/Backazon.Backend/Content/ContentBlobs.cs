using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Backazon.Backend.Configuration;
using Backazon.Backend.Storage;

namespace Backazon.Backend.Content;

/// <summary>
/// The content container: one blob per content of an account, "{accountId}/{sha256}", written
/// by a device once through its grant's SAS and checked by the backend where it lies. Content
/// sent in blocks is frozen as a snapshot before the backend reads it, and restores read that
/// snapshot; content sent in one request is read as it is (a create-only SAS cannot rewrite it).
/// </summary>
public sealed class ContentBlobs(StorageClients storage)
{
    public BlobContainerClient Container { get; } = storage.Blobs.GetBlobContainerClient(StorageNames.ContentContainer);

    public static string Name(string accountId, string hash) => $"{accountId}/{hash}";

    public BlobClient Blob(string accountId, string hash) => Container.GetBlobClient(Name(accountId, hash));

    /// <summary>The bytes the backend checked: the snapshot when there is one.</summary>
    public BlobClient Checked(string accountId, string hash, string? snapshot) =>
        snapshot is null ? Blob(accountId, hash) : Blob(accountId, hash).WithSnapshot(snapshot);

    /// <summary>The bytes the backend checked for a content row: its lineage blob's snapshot
    /// (chunked content), its own blob's snapshot (content sent in blocks), or its own blob.</summary>
    public BlobClient Checked(Content.ContentEntity row) =>
        row.Blob is { } lineage ? Container.GetBlobClient(lineage).WithSnapshot(row.Snapshot!) : Checked(row.PartitionKey, row.Hash, row.Snapshot);

    /// <summary>Deletes the blob with its snapshots (and any uncommitted blocks).
    /// A lease a device took through its write SAS is broken first: the backend must always be
    /// able to take back what a device wrote, or one lease would jam the check for good.</summary>
    public static async Task DeleteAsync(BlobClient blob, CancellationToken cancellationToken = default)
    {
        try
        {
            await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken);
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.LeaseIdMissing || e.ErrorCode == BlobErrorCode.LeaseIdMismatchWithBlobOperation)
        {
            await blob.GetBlobLeaseClient().BreakAsync(TimeSpan.Zero, cancellationToken: cancellationToken);
            await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken);
        }
    }

    public Task DeleteAsync(string accountId, string hash, CancellationToken cancellationToken = default) =>
        DeleteAsync(Blob(accountId, hash), cancellationToken);
}

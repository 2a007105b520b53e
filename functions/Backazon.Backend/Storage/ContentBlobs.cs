using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Backazon.Backend.Configuration;

namespace Backazon.Backend.Storage;

/// <summary>
/// The content container: one blob per content of an account, "{accountId}/{sha256}", written
/// by a device once through its grant's SAS and checked by the backend where it lies. Content
/// sent in blocks is frozen with an infinite lease before the backend reads it, so deleting it
/// means breaking that lease first.
/// </summary>
public sealed class ContentBlobs(StorageClients storage)
{
    public BlobContainerClient Container { get; } = storage.Blobs.GetBlobContainerClient(StorageNames.ContentContainer);

    public static string Name(string accountId, string hash) => $"{accountId}/{hash}";

    public BlobClient Blob(string accountId, string hash) => Container.GetBlobClient(Name(accountId, hash));

    /// <summary>Deletes the blob (and its snapshots), breaking a freeze lease if it holds one.
    /// Uncommitted blocks go with it.</summary>
    public static async Task DeleteAsync(BlobClient blob, CancellationToken cancellationToken = default)
    {
        try
        {
            await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 412 || e.ErrorCode == "LeaseIdMissing")
        {
            await blob.GetBlobLeaseClient().BreakAsync(TimeSpan.Zero, cancellationToken: cancellationToken);
            await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken);
        }
    }

    public Task DeleteAsync(string accountId, string hash, CancellationToken cancellationToken = default) =>
        DeleteAsync(Blob(accountId, hash), cancellationToken);
}

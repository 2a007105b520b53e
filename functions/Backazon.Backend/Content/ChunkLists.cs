using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Backazon.Backend.Configuration;
using Backazon.Backend.Storage;
using Backazon.Contracts;

namespace Backazon.Backend.Content;

/// <summary>A chunked content's chunks in order, and the earlier content the device named to
/// copy the chunks it shares from.</summary>
public sealed record ChunkList(string? Base, IReadOnlyList<ChunkRef> Chunks)
{
    /// <summary>Where each distinct chunk first starts, by hash.</summary>
    public Dictionary<string, (long Offset, long Length)> Offsets()
    {
        var offsets = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        long offset = 0;
        foreach (var chunk in Chunks)
        {
            offsets.TryAdd(chunk.Hash!, (offset, chunk.Length));
            offset += chunk.Length;
        }

        return offsets;
    }
}

/// <summary>
/// The backend's record of chunked content, in the uploads container (devices get no SAS for
/// it): "{account}/chunks/{hash}.json", the chunk list a grant declared, which the check confirms
/// and which then lists checked chunks another version may copy; and "{account}/staging/{hash}",
/// the one blob a device writes for such content: its new chunks, as blocks. Both go with the
/// content (and with the account's uploads when it is purged).
/// </summary>
public sealed class ChunkLists(StorageClients storage)
{
    private readonly BlobContainerClient _uploads = storage.Blobs.GetBlobContainerClient(StorageNames.UploadsContainer);

    public BlobClient ListBlob(string accountId, string hash) => _uploads.GetBlobClient($"{accountId}/chunks/{hash}.json");

    public BlobClient Staging(string accountId, string hash) => _uploads.GetBlobClient($"{accountId}/staging/{hash}");

    public async Task WriteAsync(string accountId, string hash, ChunkList list, CancellationToken cancellationToken = default) =>
        await ListBlob(accountId, hash).UploadAsync(BinaryData.FromObjectAsJson(list, JsonSerializerOptions.Web), overwrite: true, cancellationToken);

    /// <summary>The list, or null when there is none (content sent whole, or released).</summary>
    public async Task<ChunkList?> ReadAsync(string accountId, string hash, CancellationToken cancellationToken = default)
    {
        try
        {
            return (await ListBlob(accountId, hash).DownloadContentAsync(cancellationToken)).Value.Content.ToObjectFromJson<ChunkList>(JsonSerializerOptions.Web);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task DeleteStagingAsync(string accountId, string hash, CancellationToken cancellationToken = default) =>
        await ContentBlobs.DeleteAsync(Staging(accountId, hash), cancellationToken);

    /// <summary>Everything of a chunked content but its blob: its list and any staging left.</summary>
    public async Task DeleteAsync(string accountId, string hash, CancellationToken cancellationToken = default)
    {
        await DeleteStagingAsync(accountId, hash, cancellationToken);
        await ListBlob(accountId, hash).DeleteIfExistsAsync(cancellationToken: cancellationToken);
    }
}

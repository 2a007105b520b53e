using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Backazon.IntegrationTests.Infrastructure;

/// <summary>What Azure bills for an account's content the way it bills a blob with snapshots:
/// each blob and each of its snapshots is read with Get Block List, and every distinct block
/// (blob name and block id) counts its size once; a blob without blocks counts its length.</summary>
public static class BilledBlocks
{
    public static async Task<long> UniqueBytesAsync(BlobContainerClient content, string accountId)
    {
        var blocks = new Dictionary<(string Blob, string Block), long>();
        long whole = 0;
        await foreach (var item in content.GetBlobsAsync(BlobTraits.None, BlobStates.Snapshots, accountId + "/", CancellationToken.None))
        {
            var blob = content.GetBlockBlobClient(item.Name);
            var list = (await (string.IsNullOrEmpty(item.Snapshot) ? blob : blob.WithSnapshot(item.Snapshot)).GetBlockListAsync(BlockListTypes.Committed)).Value;
            if (!list.CommittedBlocks.Any())
            {
                whole += item.Properties.ContentLength ?? 0;
            }

            foreach (var block in list.CommittedBlocks)
            {
                blocks[(item.Name, block.Name)] = block.SizeLong;
            }
        }

        return whole + blocks.Values.Sum();
    }
}

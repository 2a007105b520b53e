using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Backazon.Uploader.Planning;

namespace Backazon.Uploader.Uploading;

/// <summary>
/// Sends one file's bytes straight to Blob Storage with a SAS URL: a single put for small files,
/// blocks in parallel for large ones (the Azure SDK decides, and retries transient failures).
/// The bytes are hashed again as they go, so a file that changed since it was hashed is caught
/// here and never committed.
/// </summary>
public sealed class BlobSender(BlobClientOptions? clientOptions = null)
{
    public const int BlockSize = 4 * 1024 * 1024;
    public const int BlocksInFlight = 4;

    private readonly BlobClientOptions _clientOptions = clientOptions ?? new BlobClientOptions();

    /// <exception cref="FileChangedException">The file is not what was hashed any more.</exception>
    /// <exception cref="RequestFailedException">Storage refused (403 when the SAS expired).</exception>
    public async Task SendAsync(string localPath, Uri uploadUrl, FileDigest expected, Action<long> sent, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(localPath, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            Options = FileOptions.SequentialScan | FileOptions.Asynchronous,
        });
        await using var hashing = new HashingStream(file);
        var options = new BlobUploadOptions
        {
            TransferOptions = new StorageTransferOptions
            {
                InitialTransferSize = BlockSize,
                MaximumTransferSize = BlockSize,
                MaximumConcurrency = BlocksInFlight,
            },
            ProgressHandler = new DeltaProgress(sent),
        };

        var blob = new BlobClient(uploadUrl, _clientOptions);
        await blob.UploadAsync(hashing, options, cancellationToken);

        var after = new FileInfo(localPath);
        if (hashing.BytesRead != expected.Size || hashing.HashHex != expected.Hash
            || after.Length != expected.Size || after.LastWriteTimeUtc != expected.ModifiedAt.UtcDateTime)
        {
            throw new FileChangedException(localPath, "what was sent differs from what was hashed");
        }
    }

    /// <summary>Turns the SDK's running totals (reported from parallel blocks, possibly out of
    /// order) into byte deltas, synchronously.</summary>
    private sealed class DeltaProgress(Action<long> sent) : IProgress<long>
    {
        private long _reported;

        public void Report(long total)
        {
            long delta;
            lock (this)
            {
                delta = total - _reported;
                if (delta <= 0)
                {
                    return;
                }

                _reported = total;
            }

            sent(delta);
        }
    }
}

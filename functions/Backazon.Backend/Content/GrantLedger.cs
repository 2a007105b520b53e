using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Backazon.Backend.Configuration;
using Backazon.Backend.Security;
using Backazon.Backend.Storage;

namespace Backazon.Backend.Content;

/// <summary>One content row as a grant request wrote it, with the ETag storage gave it.</summary>
public sealed record GrantLedgerEntry(string Hash, long Size, string? DeviceId, DateTimeOffset IssuedAt, DateTimeOffset? ExpiresAt, string ETag)
{
    public static GrantLedgerEntry Of(ContentEntity row) => new(row.Hash, row.Size, row.DeviceId, row.IssuedAt, row.ExpiresAt, row.ETag.ToString());

    public ContentEntity ToRow(string accountId) => new()
    {
        PartitionKey = accountId,
        RowKey = ContentEntity.RowFor(Hash),
        State = ContentStates.Granted,
        Size = Size,
        DeviceId = DeviceId,
        IssuedAt = IssuedAt,
        ExpiresAt = ExpiresAt,
        ETag = new ETag(ETag),
    };
}

/// <summary>
/// What one grant request wrote (its granted and renewed content rows, with their ETags), kept in
/// a small blob of the uploads container that only the backend writes, so the check of the
/// commit that follows starts from those rows instead of reading one per file. Nothing depends
/// on it being right: a row is used only while its grant runs, only a match is taken from it (a
/// mismatch, which deletes the upload, is decided from the row as stored), and its count is
/// guarded by its ETag, so a row changed since (checked by another commit or the sweeper,
/// renewed, released) fails that write and is read and handled as stored content is. The commit
/// that used it deletes it; a due row written first lets the grant sweeper delete one no commit
/// named (a device killed between its grant and its commit).
/// </summary>
public sealed class GrantLedger(StorageClients storage, DueIndex due)
{
    /// <summary>The most grant ids one commit may name.</summary>
    public const int MaxPerCommit = 16;

    private readonly BlobContainerClient _uploads = storage.Blobs.GetBlobContainerClient(StorageNames.UploadsContainer);

    public static string BlobName(string accountId, string grantId) => $"{accountId}/grants/{grantId}.json";

    /// <summary>Records the rows whose ETag storage gave back; returns the grant id, or null when
    /// there were none or the record could not be written (the check then reads each row).</summary>
    public async Task<string?> WriteAsync(string accountId, IEnumerable<ContentEntity> rows, DateTimeOffset keepUntil, CancellationToken cancellationToken = default)
    {
        var entries = rows.Where(r => r.ETag != default).Select(GrantLedgerEntry.Of).ToList();
        if (entries.Count == 0)
        {
            return null;
        }

        var grantId = Secrets.NewId();
        try
        {
            await due.AddAsync(DueKinds.Ledger, keepUntil, [(accountId, grantId)], cancellationToken);
            await _uploads.GetBlobClient(BlobName(accountId, grantId)).UploadAsync(BinaryData.FromObjectAsJson(entries, JsonSerializerOptions.Web), overwrite: true, cancellationToken);
            return grantId;
        }
        catch (RequestFailedException)
        {
            return null; // a shortcut lost, nothing else: the grants themselves stand
        }
    }

    /// <summary>The rows the named grants wrote, by hash (the latest renewal's, when two name one
    /// content); a grant already gone is skipped.</summary>
    public async Task<IReadOnlyDictionary<string, ContentEntity>> ReadAsync(string accountId, IEnumerable<string> grantIds, CancellationToken cancellationToken = default)
    {
        var rows = new Dictionary<string, ContentEntity>(StringComparer.Ordinal);
        foreach (var grantId in grantIds.Distinct(StringComparer.Ordinal))
        {
            try
            {
                var entries = (await _uploads.GetBlobClient(BlobName(accountId, grantId)).DownloadContentAsync(cancellationToken)).Value.Content
                    .ToObjectFromJson<List<GrantLedgerEntry>>(JsonSerializerOptions.Web)!;
                foreach (var entry in entries.Where(e => !rows.TryGetValue(e.Hash, out var seen) || seen.ExpiresAt < e.ExpiresAt))
                {
                    rows[entry.Hash] = entry.ToRow(accountId);
                }
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
            }
        }

        return rows;
    }

    public async Task DeleteAsync(string accountId, IEnumerable<string> grantIds, CancellationToken cancellationToken = default)
    {
        foreach (var grantId in grantIds.Distinct(StringComparer.Ordinal))
        {
            await _uploads.GetBlobClient(BlobName(accountId, grantId)).DeleteIfExistsAsync(cancellationToken: cancellationToken);
        }
    }
}

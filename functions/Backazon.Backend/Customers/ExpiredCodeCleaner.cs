using Azure;
using Azure.Data.Tables;
using Backazon.Backend.Configuration;
using Backazon.Backend.Storage;

namespace Backazon.Backend.Customers;

/// <summary>
/// Deletes link codes and invitations a day after they expired, found by the due rows written when
/// they were made (<see cref="DueKinds.LinkCode"/>, <see cref="DueKinds.Invitation"/>), so a run
/// costs what came due, never a scan of the EnrollmentCodes table. Until then a used or expired
/// code still answers why it no longer works; afterwards it is simply unknown.
/// </summary>
public sealed class ExpiredCodeCleaner(StorageClients storage, DueIndex due, TimeProvider clock)
{
    /// <summary>How long a code's row stays after it expired.</summary>
    public static readonly TimeSpan Keep = TimeSpan.FromDays(1);

    private readonly TableClient _codes = storage.Tables.GetTableClient(StorageNames.EnrollmentCodesTable);

    /// <summary>Deletes what came due; returns how many rows it deleted.</summary>
    public async Task<int> CleanAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var deleted = 0;
        var done = new List<DueEntity>();
        foreach (var kind in new[] { DueKinds.LinkCode, DueKinds.Invitation })
        {
            await foreach (var row in due.DueAsync(kind, now, cancellationToken: cancellationToken))
            {
                deleted += await DeleteExpiredAsync(row.Id, now, cancellationToken);
                done.Add(row);
            }
        }

        await due.DoneAsync(done, cancellationToken);
        return deleted;
    }

    /// <summary>The rows keyed by the hash (one: a device code's, a user code's or an invitation's),
    /// each only if its keep time has passed: the same user code may have been drawn again since,
    /// and its newer row has its own due row.</summary>
    private async Task<int> DeleteExpiredAsync(string hash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var deleted = 0;
        await foreach (var row in _codes.QueryAsync<TableEntity>(r => r.PartitionKey == hash, select: ["PartitionKey", "RowKey", "ExpiresAt"], cancellationToken: cancellationToken))
        {
            if (row.GetDateTimeOffset("ExpiresAt") is { } expiresAt && expiresAt + Keep <= now)
            {
                try
                {
                    await _codes.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken);
                    deleted++;
                }
                catch (RequestFailedException e) when (e.Status is 404 or 412)
                {
                    // Gone already, or written again meanwhile (then no longer ours to delete).
                }
            }
        }

        return deleted;
    }
}

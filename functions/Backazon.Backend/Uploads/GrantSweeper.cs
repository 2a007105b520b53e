using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Backazon.Backend.Accounts;
using Backazon.Backend.Catalog;
using Backazon.Backend.Configuration;
using Backazon.Backend.Storage;
using Backazon.Contracts;
using Microsoft.Extensions.Logging;

namespace Backazon.Backend.Uploads;

/// <summary>
/// Leaves nothing unaccounted: expired grants whose bytes arrived are verified and counted as
/// content (the next backup finds them stored), the others release their reservation; commits
/// still pending after a while are queued again; staging blobs nobody owns are removed.
/// </summary>
public sealed class GrantSweeper(
    AccountStore accounts, StorageClients storage, ContentVerifier verifier, CommitService commits, TimeProvider clock, ILogger<GrantSweeper> logger)
{
    /// <summary>A commit not cataloged this long after it was made is queued again.</summary>
    public static readonly TimeSpan CommitRequeueAfter = TimeSpan.FromMinutes(10);

    /// <summary>A staging blob with no grant, older than this, is removed.</summary>
    public static readonly TimeSpan OrphanAge = TimeSpan.FromDays(1);

    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        int verified = 0, released = 0, requeued = 0, orphans = 0;

        var expired = accounts.Table.QueryAsync<GrantEntity>(
            TableClient.CreateQueryFilter($"RowKey ge {GrantEntity.RowPrefix} and RowKey lt {"grant;"} and ExpiresAt lt {now}"), cancellationToken: cancellationToken);
        await foreach (var grant in expired)
        {
            var result = await verifier.EnsureAsync(grant.PartitionKey, grant.Hash, cancellationToken);
            if (result.Result == VerificationResult.Verified)
            {
                verified++;
            }
            else
            {
                // Nothing usable arrived (or it was bad and already released): free the bytes.
                await verifier.ReleaseAsync(grant.PartitionKey, grant, cancellationToken);
                await storage.Blobs.GetBlobContainerClient(StorageNames.UploadsContainer).GetBlobClient(grant.StagingBlob)
                    .DeleteIfExistsAsync(cancellationToken: cancellationToken);
                released++;
            }
        }

        var stale = accounts.Table.QueryAsync<CommitEntity>(
            TableClient.CreateQueryFilter($"RowKey ge {CommitEntity.RowPrefix} and RowKey lt {"commit;"} and State eq {CommitStates.Pending} and CommittedAt lt {now - CommitRequeueAfter}"),
            cancellationToken: cancellationToken);
        await foreach (var commit in stale)
        {
            await commits.EnqueueAsync(new CatalogMessage(commit.PartitionKey, commit.DeviceId, commit.CommitId), cancellationToken);
            requeued++;
        }

        orphans = await RemoveOrphanStagingAsync(now, cancellationToken);
        if (verified + released + requeued + orphans > 0)
        {
            logger.LogInformation("Sweep: {Verified} abandoned uploads verified, {Released} grants released, {Requeued} commits requeued, {Orphans} orphan staging blobs removed.",
                verified, released, requeued, orphans);
        }

        return new SweepResult(verified, released, requeued, orphans);
    }

    private async Task<int> RemoveOrphanStagingAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var uploads = storage.Blobs.GetBlobContainerClient(StorageNames.UploadsContainer);
        var live = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var grant in accounts.Table.QueryAsync<GrantEntity>(
            TableClient.CreateQueryFilter($"RowKey ge {GrantEntity.RowPrefix} and RowKey lt {"grant;"}"), select: ["StagingBlob"], cancellationToken: cancellationToken))
        {
            live.Add(grant.StagingBlob);
        }

        var removed = 0;
        await foreach (var blob in uploads.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            if (blob.Name.Contains("/staging/", StringComparison.Ordinal) && !live.Contains(blob.Name)
                && blob.Properties.LastModified < now - OrphanAge)
            {
                await uploads.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
                removed++;
            }
        }

        return removed;
    }
}

public sealed record SweepResult(int Verified, int Released, int Requeued, int Orphans);

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
/// Leaves nothing unaccounted: granted content whose time is up is verified and counted if its
/// bytes arrived (the next backup finds it stored), or released (its reservation returned and
/// whatever partial or bad blob it left deleted — no SAS for it is alive by then); commits still
/// pending after a while are queued again.
/// </summary>
public sealed class GrantSweeper(
    AccountStore accounts, ContentVerifier verifier, CommitService commits, TimeProvider clock, ILogger<GrantSweeper> logger)
{
    /// <summary>A commit not cataloged this long after it was made is queued again.</summary>
    public static readonly TimeSpan CommitRequeueAfter = TimeSpan.FromMinutes(10);

    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        int verified = 0, released = 0, requeued = 0, failed = 0;

        var expired = accounts.Table.QueryAsync<ContentEntity>(
            TableClient.CreateQueryFilter($"RowKey ge {ContentEntity.RowPrefix} and RowKey lt {"content;"} and State eq {ContentStates.Granted} and ExpiresAt lt {now}"),
            cancellationToken: cancellationToken);
        await foreach (var grant in expired)
        {
            try
            {
                var result = await verifier.EnsureAsync(grant.PartitionKey, grant.Hash, cancellationToken);
                if (result.Result == VerificationResult.Verified)
                {
                    verified++;
                }
                else if (await verifier.ReleaseAsync(grant, cancellationToken))
                {
                    released++;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One broken grant must not stop the sweep for every other account.
                failed++;
                logger.LogError(e, "Sweep: grant {Hash} of account {Account} could not be settled; it is tried again next sweep.", grant.Hash, grant.PartitionKey);
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

        if (verified + released + requeued + failed > 0)
        {
            logger.LogInformation("Sweep: {Verified} abandoned uploads verified, {Released} grants released, {Requeued} commits requeued, {Failed} failed.",
                verified, released, requeued, failed);
        }

        return new SweepResult(verified, released, requeued, failed);
    }
}

public sealed record SweepResult(int Verified, int Released, int Requeued, int Failed);

using Azure;
using Azure.Data.Tables;
using Backazon.Backend.Accounts;
using Backazon.Backend.Content;
using Backazon.Backend.Messages;
using Backazon.Backend.Storage;
using Backazon.Contracts;
using Microsoft.Extensions.Logging;

namespace Backazon.Backend.Uploads;

/// <summary>
/// Leaves nothing unaccounted: granted content whose time is up is verified and counted if its
/// bytes arrived (the next backup finds it stored), or released (its reservation returned and
/// whatever partial or bad blob it left deleted — no SAS for it is alive by then); commits still
/// pending after a while are queued again. What is due is read from the <see cref="DueIndex"/>,
/// so a sweep costs what came due, not what is stored; once a week a full pass over every
/// account's grants and commits checks that nothing escaped the index, resumed from sweep to
/// sweep within a time budget.
/// </summary>
public sealed class GrantSweeper(
    AccountStore accounts, ContentRows contentRows, ContentBlobs blobs, ContentVerifier verifier, CommitService commits, GrantLedger ledger, ChunkLists chunkLists, DueIndex due, TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<Configuration.LifecycleOptions> lifecycle, ILogger<GrantSweeper> logger)
{
    /// <summary>A commit not cataloged this long after it was made is queued again.</summary>
    public static readonly TimeSpan CommitRequeueAfter = TimeSpan.FromMinutes(10);

    /// <summary>A commit queued again this often (each time delivered up to the queue's five
    /// times) and still not cataloged ends failed: about an hour of tries, and then no more.</summary>
    public const int MaxRequeues = 6;

    /// <summary>How often the full consistency pass runs.</summary>
    public static readonly TimeSpan FullPassEvery = TimeSpan.FromDays(7);

    private const string FullPassMarker = "sweep|full";
    private const string GrantsPhase = "grants";
    private const string CommitsPhase = "commits";

    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var tally = new Tally();
        var done = new List<DueEntity>();
        await foreach (var row in due.DueAsync(DueKinds.Grant, now, cancellationToken: cancellationToken))
        {
            var content = await contentRows.FindAsync(row.AccountId, row.Id, cancellationToken);
            // Verified or released: nothing left to do. Renewed: its later due row stands for it.
            if (content is { State: ContentStates.Granted } && content.ExpiresAt < now
                && !await SettleAsync(content, tally, cancellationToken))
            {
                continue; // tried again next sweep
            }

            if (content is { IsVerified: true } && BackupLimits.IsChunked(content.Size))
            {
                // Its check deleted the staging blob, but a SAS still alive then could write it
                // again; none can now.
                await chunkLists.DeleteStagingAsync(row.AccountId, row.Id, cancellationToken);
            }

            await DoneAsync(done, row, cancellationToken);
        }

        await foreach (var row in due.DueAsync(DueKinds.Landed, now, cancellationToken: cancellationToken))
        {
            // Renewed since (a newer SAS is alive): the renewal's own row comes later.
            if (await contentRows.FindAsync(row.AccountId, row.Id, cancellationToken) is { State: ContentStates.Granted } content
                && content.ExpiresAt - UploadGrantService.CommitWindow <= now
                && SettledByWhatArrived(content, await ArrivedAsync(content, cancellationToken))
                && !await SettleAsync(content, tally, cancellationToken))
            {
                continue; // tried again next sweep
            }

            await DoneAsync(done, row, cancellationToken);
        }

        await foreach (var row in due.DueAsync(DueKinds.Commit, now, cancellationToken: cancellationToken))
        {
            var commit = await accounts.Table.GetEntityIfExistsAsync<CommitEntity>(row.AccountId, CommitEntity.RowFor(row.Id), cancellationToken: cancellationToken);
            if (commit.HasValue && commit.Value!.State == CommitStates.Pending && await RequeueAsync(commit.Value, tally, cancellationToken))
            {
                await due.PostponeAsync(DueKinds.Commit, row, now + CommitRequeueAfter, cancellationToken);
            }
            else
            {
                await DoneAsync(done, row, cancellationToken);
            }
        }

        // A grant's ledger no commit used (the device stopped between its grant and its commit).
        await foreach (var row in due.DueAsync(DueKinds.Ledger, now, cancellationToken: cancellationToken))
        {
            await ledger.DeleteAsync(row.AccountId, [row.Id], cancellationToken);
            await DoneAsync(done, row, cancellationToken);
        }

        await due.DoneAsync(done, cancellationToken);

        await FullPassAsync(now, tally, cancellationToken);

        var result = tally.Result;
        if (result.Verified + result.Released + result.Requeued + result.Failed > 0)
        {
            logger.LogInformation("Sweep: {Verified} abandoned uploads verified, {Released} grants released, {Requeued} commits requeued, {Failed} failed.",
                result.Verified, result.Released, result.Requeued, result.Failed);
        }

        return result;
    }

    /// <summary>Collects rows whose work is done and removes them a thousand at a time (in
    /// transactions of a hundred), so a sweep after a large backup holds little in memory.</summary>
    private async Task DoneAsync(List<DueEntity> done, DueEntity row, CancellationToken cancellationToken)
    {
        done.Add(row);
        if (done.Count >= 1000)
        {
            await due.DoneAsync(done, cancellationToken);
            done.Clear();
        }
    }

    /// <summary>More bytes than declared are never honest, and a single upload that is all there
    /// is final; a chunked upload's staging blob holds only its new chunks, so only its excess says
    /// anything. Everything else waits for its commit, or the grant's end.</summary>
    private static bool SettledByWhatArrived(ContentEntity grant, long arrived) =>
        arrived > grant.Size || (arrived == grant.Size && !BackupLimits.IsChunked(grant.Size));

    /// <summary>The bytes a device wrote for a grant (its content blob, or for chunked content its
    /// staging blob); -1 when nothing arrived.</summary>
    private async Task<long> ArrivedAsync(ContentEntity grant, CancellationToken cancellationToken)
    {
        var blob = BackupLimits.IsChunked(grant.Size) ? chunkLists.Staging(grant.PartitionKey, grant.Hash) : blobs.Blob(grant.PartitionKey, grant.Hash);
        try
        {
            return (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value.ContentLength;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return -1;
        }
    }

    /// <summary>Verifies what arrived for an expired grant, or releases it; false when it could
    /// not be settled now.</summary>
    private async Task<bool> SettleAsync(ContentEntity grant, Tally tally, CancellationToken cancellationToken)
    {
        try
        {
            var result = await verifier.EnsureAsync(grant.PartitionKey, grant.Hash, cancellationToken);
            if (result.Result == VerificationResult.Verified)
            {
                tally.Verified++;
            }
            else if (await verifier.ReleaseAsync(grant, cancellationToken))
            {
                tally.Released++;
            }

            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // One broken grant must not stop the sweep for every other account.
            tally.Failed++;
            logger.LogError(e, "Sweep: grant {Hash} of account {Account} could not be settled; it is tried again next sweep.", grant.Hash, grant.PartitionKey);
            return false;
        }
    }

    /// <summary>Queues a pending commit once more, counting it on its row; a commit queued
    /// <see cref="MaxRequeues"/> times already ends failed instead (false: nothing more to do).
    /// Its device then sends the files again under a new commit.</summary>
    private async Task<bool> RequeueAsync(CommitEntity commit, Tally tally, CancellationToken cancellationToken)
    {
        var giveUp = commit.Requeues >= MaxRequeues;
        commit.Requeues++;
        commit.State = giveUp ? CommitStates.Failed : commit.State;
        try
        {
            await accounts.Table.UpdateEntityAsync(commit, commit.ETag, TableUpdateMode.Replace, cancellationToken);
        }
        catch (Azure.RequestFailedException e) when (e.Status is 404 or 412)
        {
            return false; // cataloged (or forgotten) meanwhile
        }

        if (giveUp)
        {
            tally.Failed++;
            logger.LogError("Commit {Commit} of account {Account} was not cataloged after {Tries} requeues; it failed, and its device will send its files again.",
                commit.CommitId, commit.PartitionKey, MaxRequeues);
            return false;
        }

        await commits.EnqueueAsync(new CatalogMessage(commit.PartitionKey, commit.DeviceId, commit.CommitId), cancellationToken);
        tally.Requeued++;
        return true;
    }

    /// <summary>
    /// The consistency check: every expired grant and stale commit of every account, found by
    /// scanning (what the index would miss: rows from before it existed, a lost write). It starts
    /// a week after the last one began, and works a page at a time within the sweep's time
    /// budget: where the budget runs out, the marker keeps the query's continuation and the next
    /// sweep goes on from there. The pass counts as done only once both scans reach their end.
    /// </summary>
    private async Task FullPassAsync(DateTimeOffset now, Tally tally, CancellationToken cancellationToken)
    {
        var found = await due.Table.GetEntityIfExistsAsync<TableEntity>(FullPassMarker, "", cancellationToken: cancellationToken);
        var marker = found.HasValue ? found.Value! : new TableEntity(FullPassMarker, "");
        if (marker.GetString("Phase") is null)
        {
            if (marker.GetDateTimeOffset("At") is { } last && now - last < FullPassEvery)
            {
                return;
            }

            marker["Phase"] = GrantsPhase;
            marker["Continuation"] = null;
            marker["StartedAt"] = now;
        }

        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(lifecycle.Value.SweepBudgetSeconds);
        if (marker.GetString("Phase") == GrantsPhase)
        {
            var grants = accounts.Table.QueryAsync<ContentEntity>(
                TableClient.CreateQueryFilter($"RowKey ge {ContentEntity.RowPrefix} and RowKey lt {"content;"} and State eq {ContentStates.Granted} and ExpiresAt lt {now}"),
                maxPerPage: lifecycle.Value.SweepPageSize, cancellationToken: cancellationToken);
            if (!await ScanAsync(grants, marker, deadline, grant => SettleAsync(grant, tally, cancellationToken), cancellationToken))
            {
                return;
            }

            marker["Phase"] = CommitsPhase;
            marker["Continuation"] = null;
        }

        var commits = accounts.Table.QueryAsync<CommitEntity>(
            TableClient.CreateQueryFilter($"RowKey ge {CommitEntity.RowPrefix} and RowKey lt {"commit;"} and State eq {CommitStates.Pending} and CommittedAt lt {now - CommitRequeueAfter}"),
            maxPerPage: lifecycle.Value.SweepPageSize, cancellationToken: cancellationToken);
        if (!await ScanAsync(commits, marker, deadline, commit => RequeueAsync(commit, tally, cancellationToken), cancellationToken))
        {
            return;
        }

        marker["At"] = marker.GetDateTimeOffset("StartedAt");
        marker["Phase"] = null;
        marker["Continuation"] = null;
        await due.Table.UpsertEntityAsync(marker, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>Goes on with one scan from the marker's continuation, a page at a time; true once
    /// it reached the end, false (the continuation saved) when the budget ran out first.</summary>
    private async Task<bool> ScanAsync<T>(Azure.AsyncPageable<T> query, TableEntity marker, DateTimeOffset deadline, Func<T, Task> visit, CancellationToken cancellationToken)
        where T : notnull
    {
        await foreach (var page in query.AsPages(marker.GetString("Continuation")).WithCancellation(cancellationToken))
        {
            foreach (var row in page.Values)
            {
                await visit(row);
            }

            if (page.ContinuationToken is null)
            {
                return true;
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                marker["Continuation"] = page.ContinuationToken;
                await due.Table.UpsertEntityAsync(marker, TableUpdateMode.Replace, cancellationToken);
                return false;
            }
        }

        return true;
    }

    private sealed class Tally
    {
        public int Verified { get; set; }
        public int Released { get; set; }
        public int Requeued { get; set; }
        public int Failed { get; set; }

        public SweepResult Result => new(Verified, Released, Requeued, Failed);
    }
}

public sealed record SweepResult(int Verified, int Released, int Requeued, int Failed);

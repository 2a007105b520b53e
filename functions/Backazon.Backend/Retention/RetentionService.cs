using Azure;
using Azure.Data.Tables;
using Backazon.Backend.Accounts;
using Backazon.Backend.Catalog;
using Backazon.Backend.Configuration;
using Backazon.Backend.Content;
using Backazon.Backend.Messages;
using Backazon.Backend.Nightly;
using Backazon.Backend.Plans;
using Backazon.Backend.Storage;
using Backazon.Backend.Uploads;
using Backazon.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Backazon.Backend.Retention;

/// <summary>
/// Enforces the plans' history. A files message applies <see cref="RetentionPolicy"/> to those
/// files and writes, in the <see cref="DueIndex"/>, when each file's next kept version leaves the
/// history. An account message (from the daily timer) applies the policy to the files that came
/// due, releases content whose reference check came due, flags stale devices, and purges the
/// account when its date has come: its cost is what came due. Once a month per account it walks
/// every catalog partition instead (re-queuing itself with its position before its time budget
/// runs out), checks every flagged content and removes orphan blobs: the consistency check that
/// catches what the index could miss; it also rewrites every version's reference and drops the
/// references it did not see (<see cref="ReferenceIndex"/>). Removing a version: flag its content
/// for a reference check, delete the catalog row, then its reference; the content itself goes
/// later (<see cref="ContentReleaser"/>).
/// Repeating any of it changes nothing.
/// </summary>
public sealed class RetentionService(
    AccountStore accounts,
    AccountIndex accountIndex,
    PlanCatalog plans,
    CatalogWriter catalog,
    ReferenceIndex references,
    ContentReleaser releaser,
    ContentTiering tiering,
    AccountLifecycleService lifecycle,
    StaleDeviceService staleDevices,
    Devices.RunReportService runs,
    Uploads.CommitService commits,
    IRetentionQueue queue,
    DueIndex due,
    IOptions<LifecycleOptions> options,
    TimeProvider clock,
    ILogger<RetentionService> logger)
{
    /// <summary>How often an account's catalog is walked whole, as a consistency check.</summary>
    public static readonly TimeSpan FullPassEvery = TimeSpan.FromDays(30);

    public Task ProcessAsync(RetentionMessage message, CancellationToken cancellationToken = default) =>
        message.Paths is { } paths
            ? ApplyToFilesAsync(message.AccountId, message.DeviceId ?? "", paths, cancellationToken)
            : SweepAccountAsync(message, cancellationToken);

    /// <summary>The daily fan-out: one account message per account not yet purged, from the
    /// account index.</summary>
    public async Task<int> FanOutAsync(CancellationToken cancellationToken = default)
    {
        var sent = 0;
        await foreach (var accountId in accountIndex.LiveAsync(cancellationToken))
        {
            await queue.SendAsync(new RetentionMessage(accountId), cancellationToken);
            sent++;
        }

        logger.LogInformation("Retention: {Accounts} account sweeps queued.", sent);
        return sent;
    }

    public async Task<int> ApplyToFilesAsync(string accountId, string deviceId, IReadOnlyList<string> paths, CancellationToken cancellationToken = default)
    {
        var account = await accounts.Table.GetEntityIfExistsAsync<AccountEntity>(accountId, AccountEntity.Row, cancellationToken: cancellationToken);
        if (!account.HasValue || account.Value!.Status == AccountStatuses.Purged)
        {
            return 0;
        }

        var rules = RulesOf(account.Value);
        var now = clock.GetUtcNow();
        var removed = 0;
        foreach (var inFolder in paths.Distinct(StringComparer.Ordinal).GroupBy(p => Catalog.CatalogPathRules.Split(p).Folder, StringComparer.Ordinal))
        {
            var byPath = await VersionsOfAsync(accountId, deviceId, inFolder.Key, inFolder, cancellationToken);

            var next = new List<(DateTimeOffset At, DueEntity Row)>();
            var leftForce = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (path, versions) in byPath)
            {
                var expired = Expired(versions, rules, now);
                removed += await RemoveAsync(accountId, expired, cancellationToken);
                var keptRows = versions.Except(expired).ToList();
                var kept = keptRows.Select(v => new RetainedVersion(v.Kind, v.CommittedAt)).ToList();
                if (RetentionPolicy.NextRemoval(kept, rules, now) is { } at)
                {
                    next.Add((at, new DueEntity { RowKey = RetentionRowKey(deviceId, path), Id = deviceId, Path = path }));
                }

                // The file's latest content out of force (superseded or deleted) may be old content now;
                // earlier ones were looked at when they left, and the monthly walk looks at all.
                if (keptRows.Skip(1).FirstOrDefault(v => v.Kind == EntryKinds.File) is { Size: >= ContentTiering.MinBytes } superseded)
                {
                    leftForce.Add(superseded.Hash!);
                }
            }

            foreach (var group in next.GroupBy(n => DueIndex.Partition(DueKinds.Retention, accountId, n.At)))
            {
                await due.AddForAccountAsync(DueKinds.Retention, accountId, group.First().At, group.Select(n => n.Row), cancellationToken);
            }

            foreach (var hash in leftForce)
            {
                await tiering.TagIfOldAsync(accountId, hash, rules, now, cancellationToken);
            }
        }

        return removed;
    }

    private static string RetentionRowKey(string deviceId, string path) =>
        $"{deviceId}|{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(path)))[..32]}";

    /// <summary>The versions of each file, read as one key range per file (a few at once): a
    /// changed file costs its own rows, however many files share its folder.</summary>
    private async Task<Dictionary<string, List<CatalogEntity>>> VersionsOfAsync(
        string accountId, string deviceId, string folder, IEnumerable<string> paths, CancellationToken cancellationToken)
    {
        var partition = CatalogKeys.Partition(accountId, deviceId, folder);
        var byPath = new System.Collections.Concurrent.ConcurrentDictionary<string, List<CatalogEntity>>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(paths, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (path, ct) =>
        {
            var name = Catalog.CatalogPathRules.Split(path).Name;
            var filter = TableClient.CreateQueryFilter(
                $"PartitionKey eq {partition} and RowKey ge {CatalogKeys.FileRowsStart(name)} and RowKey lt {CatalogKeys.FileRowsEnd(name)}");
            var versions = new List<CatalogEntity>();
            await foreach (var row in catalog.Table.QueryAsync<CatalogEntity>(filter, cancellationToken: ct))
            {
                if (row.Path == path) // a long name's key is cut short: another may share it
                {
                    versions.Add(row);
                }
            }

            if (versions.Count > 0)
            {
                byPath[path] = versions;
            }
        });

        // In path order, as one query over the folder gave them.
        return byPath.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
    }

    /// <summary>One step of an account sweep; re-queues the rest when out of time.</summary>
    public async Task SweepAccountAsync(RetentionMessage message, CancellationToken cancellationToken = default)
    {
        var found = await accounts.Table.GetEntityIfExistsAsync<AccountEntity>(message.AccountId, AccountEntity.Row, cancellationToken: cancellationToken);
        if (!found.HasValue || found.Value!.Status == AccountStatuses.Purged)
        {
            return;
        }

        var account = found.Value;
        var now = clock.GetUtcNow();
        if (lifecycle.PurgeDue(account, now))
        {
            if (await lifecycle.PurgeAsync(account.PartitionKey, message.After, Deadline(), cancellationToken) is { } resumeAt)
            {
                await queue.SendAsync(message with { After = resumeAt }, cancellationToken);
            }

            return;
        }

        long freed;
        var orphans = 0;
        if (message.After is not null || await FullPassDueAsync(account.PartitionKey, now, cancellationToken))
        {
            // Storage's clock, not the injected one, stamps the references: the pass compares with
            // it. A pass resumed from a message that has no start (queued before references were)
            // cannot tell which references it saw, so it leaves them all.
            var passStartedAt = message.After is null ? DateTimeOffset.UtcNow : message.PassStartedAt;
            if (await WalkCatalogAsync(account, message.After, cancellationToken) is { } position)
            {
                await queue.SendAsync(message with { After = position, PassStartedAt = passStartedAt }, cancellationToken);
                return;
            }

            if (passStartedAt is { } startedAt)
            {
                await DropUnseenReferencesAsync(account.PartitionKey, startedAt, cancellationToken);
            }

            freed = await releaser.ReleaseFlaggedAsync(account.PartitionKey, cancellationToken);
            orphans = await releaser.RemoveOrphanBlobsAsync(account.PartitionKey, cancellationToken);
            await due.Table.UpsertEntityAsync(new TableEntity(FullPassRow, account.PartitionKey) { ["At"] = now }, TableUpdateMode.Replace, cancellationToken);
        }
        else
        {
            await ApplyDueAsync(account.PartitionKey, now, cancellationToken);
            freed = await releaser.ReleaseDueAsync(account.PartitionKey, cancellationToken);
        }

        var stale = await staleDevices.CheckAccountAsync(account, cancellationToken);
        var keptFor = Devices.RunEntity.KeptFor(plans.Get(account.PlanId));
        var oldRuns = await runs.PruneAsync(account.PartitionKey, now - keptFor, cancellationToken);
        var oldCommits = await commits.ForgetAsync(account.PartitionKey, now - keptFor, cancellationToken);
        logger.LogInformation("Retention sweep of account {Account}: {Freed} bytes freed, {Orphans} orphan blobs removed, {Stale} devices newly stale, {Runs} old runs and {Commits} old commits removed.",
            account.PartitionKey, freed, orphans, stale, oldRuns, oldCommits);
    }

    private const string FullPassRow = "retain|full";

    /// <summary>After a complete walk, which rewrote the reference of every version it kept:
    /// references written before the walk began were not seen, so their versions are gone. Their
    /// content gets a reference check, and the account's references are complete from now on.</summary>
    private async Task DropUnseenReferencesAsync(string accountId, DateTimeOffset passStartedAt, CancellationToken cancellationToken)
    {
        var unseen = await references.RemoveUnseenAsync(accountId, passStartedAt - TimeSpan.FromSeconds(options.Value.StorageClockSkewSeconds), cancellationToken);
        foreach (var hash in unseen)
        {
            await releaser.FlagAsync(accountId, hash, cancellationToken);
        }

        await references.MarkCompleteAsync(accountId, cancellationToken);
        if (unseen.Count > 0)
        {
            logger.LogWarning("Retention: {Count} references of account {Account} pointed at no version and were dropped.", unseen.Count, accountId);
        }
    }

    /// <summary>Whether the account's catalog was last walked whole a month ago or more (or never).</summary>
    private async Task<bool> FullPassDueAsync(string accountId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var marker = await due.Table.GetEntityIfExistsAsync<TableEntity>(FullPassRow, accountId, cancellationToken: cancellationToken);
        return !marker.HasValue || marker.Value!.GetDateTimeOffset("At") is not { } last || now - last >= FullPassEvery;
    }

    /// <summary>Applies the policy to the files that came due, a device and a few hundred paths at
    /// a time, then removes their due rows (each file that still has a version to lose has been
    /// given a new one by then).</summary>
    private async Task ApplyDueAsync(string accountId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var batch = new List<DueEntity>();
        await foreach (var row in due.DueAsync(DueKinds.Retention, now, accountId, cancellationToken))
        {
            batch.Add(row);
            if (batch.Count >= 500)
            {
                await ApplyAsync(batch);
                batch.Clear();
            }
        }

        await ApplyAsync(batch);

        async Task ApplyAsync(List<DueEntity> rows)
        {
            foreach (var device in rows.GroupBy(r => r.Id))
            {
                await ApplyToFilesAsync(accountId, device.Key, device.Select(r => r.Path!).ToList(), cancellationToken);
            }

            // A file due again in the same quarter has rewritten its row: that one stays.
            await due.DoneAsync(rows, cancellationToken);
        }
    }

    /// <summary>Applies the policy to every file of the account, partition by partition, from
    /// after <paramref name="after"/>. Returns the last finished partition when the time budget
    /// ran out, null when the walk is complete.</summary>
    private async Task<string?> WalkCatalogAsync(AccountEntity account, string? after, CancellationToken cancellationToken)
    {
        var accountId = account.PartitionKey;
        var rules = RulesOf(account);
        var now = clock.GetUtcNow();
        var deadline = Deadline();
        var filter = after is null
            ? ContentReleaser.AccountCatalogFilter(accountId)
            : TableClient.CreateQueryFilter($"PartitionKey gt {after} and PartitionKey lt {accountId + "}"}");

        string? partition = null;
        string? path = null;
        var versions = new List<CatalogEntity>();
        var expired = new List<CatalogEntity>();
        var kept = new List<CatalogEntity>();
        var inForce = new HashSet<string>(StringComparer.Ordinal);
        var outOfForce = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var row in catalog.Table.QueryAsync<CatalogEntity>(filter, cancellationToken: cancellationToken))
        {
            if (row.PartitionKey != partition)
            {
                if (partition is not null)
                {
                    await EndPartitionAsync();
                    if (PastDeadline(deadline))
                    {
                        return partition;
                    }
                }

                partition = row.PartitionKey;
                path = null;
            }

            if (row.Kind == CatalogEntity.FolderKind)
            {
                continue;
            }

            if (row.Path != path)
            {
                EndFile();
                path = row.Path;
            }

            versions.Add(row);
        }

        await EndPartitionAsync();
        return null;

        void EndFile()
        {
            var gone = Expired(versions, rules, now);
            expired.AddRange(gone);
            var keptOfFile = versions.Except(gone).ToList();
            kept.AddRange(keptOfFile);
            var big = keptOfFile.Select((v, i) => (Version: v, InForce: i == 0)).Where(v => v.Version.Kind == EntryKinds.File && v.Version.Size >= ContentTiering.MinBytes);
            foreach (var (version, isInForce) in big)
            {
                (isInForce ? inForce : outOfForce).Add(version.Hash!);
            }

            versions.Clear();
        }

        // What the policy removes goes; what it keeps has its reference written again; big
        // content is looked at for tiering: tagged if only old versions point at it, untagged if
        // a version in force does.
        async Task EndPartitionAsync()
        {
            EndFile();
            await RemoveAsync(accountId, expired, cancellationToken);
            await references.AddAsync(accountId, kept, cancellationToken);
            foreach (var hash in inForce)
            {
                await tiering.UntagIfTaggedAsync(accountId, hash, cancellationToken);
            }

            foreach (var hash in outOfForce.Except(inForce))
            {
                await tiering.TagIfOldAsync(accountId, hash, rules, now, cancellationToken);
            }

            expired.Clear();
            kept.Clear();
            inForce.Clear();
            outOfForce.Clear();
        }
    }

    // Wall-clock time, not the injected clock: the budget is about the function's real time limit.
    private DateTimeOffset Deadline() => DateTimeOffset.UtcNow + TimeSpan.FromSeconds(options.Value.SweepBudgetSeconds);

    private static bool PastDeadline(DateTimeOffset deadline) => DateTimeOffset.UtcNow >= deadline;

    private RetentionRules RulesOf(AccountEntity account)
    {
        var plan = plans.Get(account.PlanId);
        return new RetentionRules(plan.VersionHistoryDays, plan.DeletedRetentionDays);
    }

    /// <summary>The versions of one file (newest first) the policy removes.</summary>
    private static List<CatalogEntity> Expired(List<CatalogEntity> newestFirst, RetentionRules rules, DateTimeOffset now)
    {
        if (newestFirst.Count == 0)
        {
            return [];
        }

        var decisions = RetentionPolicy.Apply(newestFirst.Select(v => new RetainedVersion(v.Kind, v.CommittedAt)).ToList(), rules, now);
        return newestFirst.Where((_, i) => !decisions[i].Keep).ToList();
    }

    /// <summary>Flags the content of each version, then deletes the rows (per partition, in
    /// transactions); a row already gone is fine.</summary>
    private async Task<int> RemoveAsync(string accountId, IReadOnlyCollection<CatalogEntity> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return 0;
        }

        foreach (var hash in rows.Where(r => r.Kind == EntryKinds.File && r.Hash is not null).Select(r => r.Hash!).Distinct())
        {
            await releaser.FlagAsync(accountId, hash, cancellationToken);
        }

        await catalog.Table.DeleteRowsAsync(rows, cancellationToken);
        await references.RemoveAsync(accountId, rows, cancellationToken);
        logger.LogInformation("Retention removed {Rows} versions of account {Account}.", rows.Count, accountId);
        return rows.Count;
    }
}

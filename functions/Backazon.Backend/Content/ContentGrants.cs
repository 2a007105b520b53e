using Azure.Data.Tables;
using Backazon.Backend.Accounts;
using Backazon.Backend.Plans;
using Backazon.Backend.Security;
using Backazon.Backend.Storage;
using Backazon.Contracts;

namespace Backazon.Backend.Content;

/// <summary>What a grant request's file comes to, for its content.</summary>
public abstract record GrantDecision
{
    /// <summary>New content: its row was added as granted and its bytes reserved.</summary>
    public sealed record Granted(ContentEntity Row) : GrantDecision;

    /// <summary>An upload of this content was granted before (this run's kill, another device):
    /// a new SAS for the same blob, no second reservation.</summary>
    public sealed record Renewed(ContentEntity Row) : GrantDecision;

    public sealed record AlreadyStored : GrantDecision;

    public sealed record Refused(string Reason) : GrantDecision;

    /// <summary>The content rows the decisions add or renew.</summary>
    public static IEnumerable<ContentEntity> RowsWritten(IEnumerable<(GrantFile File, GrantDecision Decision)> decided) =>
        decided.Select(d => d.Decision switch { Granted g => g.Row, Renewed r => r.Row, _ => null }).OfType<ContentEntity>();
}

/// <summary>
/// The granted state of content rows: decides a chunk of distinct contents in one transaction
/// guarded by the account's ETag. Unknown content is added as granted (reserving its bytes
/// against the quota), known content is renewed, stored or refused. When the transaction says a
/// row exists or changed, or the account moved, what it named is read and the chunk decided
/// again (<see cref="OptimisticRetry"/>).
/// </summary>
public sealed class ContentGrants(AccountStore accounts, DueIndex due, TimeProvider clock)
{
    /// <summary>A table transaction holds at most 100 operations: the account row plus 99 content rows.</summary>
    public const int RowsPerTransaction = 99;

    /// <param name="sasLife">How long the upload SAS lives: the sweeper looks at what arrived then.</param>
    /// <param name="grantLife">How long a grant's row waits for its upload and commit (the SAS's
    /// life plus the commit window): the sweeper settles it after that.</param>
    public async Task<List<(GrantFile File, GrantDecision Decision)>> DecideAsync(
        DeviceCaller caller, Plan plan, AccountEntity account, IReadOnlyList<GrantFile> chunk, TimeSpan sasLife, TimeSpan grantLife,
        CancellationToken cancellationToken)
    {
        var known = new Dictionary<string, ContentEntity?>(StringComparer.Ordinal); // null: known absent
        var firstTry = true;
        return await OptimisticRetry.RunAsync(async ct =>
        {
            if (!firstTry)
            {
                account = await accounts.GetAccountAsync(caller.AccountId, ct);
            }

            firstTry = false;
            var now = clock.GetUtcNow();
            var expiresAt = now + grantLife;
            var actions = new List<TableTransactionAction>();
            var decided = new List<(GrantFile, GrantDecision)>();
            var reserved = account.ReservedBytes;
            var committed = account.UsedBytes + account.ReservedBytes;
            foreach (var file in chunk)
            {
                known.TryGetValue(file.Hash!, out var row);
                if (row is { IsVerified: true })
                {
                    decided.Add((file, row.Size == file.Size ? new GrantDecision.AlreadyStored()
                        : new GrantDecision.Refused($"Content with this hash is stored with size {row.Size}, not {file.Size}: the size or hash is wrong.")));
                }
                else if (row is not null && row.Size != file.Size)
                {
                    decided.Add((file, new GrantDecision.Refused($"An upload of this content with size {row.Size}, not {file.Size}, is in progress: the size or hash is wrong.")));
                }
                else if (row is not null)
                {
                    row.ExpiresAt = expiresAt;
                    if (row.DeviceId != caller.DeviceId)
                    {
                        // Another device may still write through its own SAS: whoever's bytes
                        // fail the check, the check cannot say, so it blames no device.
                        row.DeviceId = null;
                    }
                    actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, row, row.ETag));
                    decided.Add((file, new GrantDecision.Renewed(row)));
                }
                else if (committed + file.Size > plan.StorageQuotaBytes)
                {
                    decided.Add((file, new GrantDecision.Refused(
                        $"Quota reached: the {plan.DisplayName} plan holds {ByteSizes.Format(plan.StorageQuotaBytes)} and {ByteSizes.Format(committed)} is used or uploading; this file needs {ByteSizes.Format(file.Size)} more.")));
                }
                else
                {
                    committed += file.Size;
                    reserved += file.Size;
                    var added = new ContentEntity
                    {
                        PartitionKey = caller.AccountId,
                        RowKey = ContentEntity.RowFor(file.Hash!),
                        State = ContentStates.Granted,
                        Size = file.Size,
                        DeviceId = caller.DeviceId,
                        IssuedAt = now,
                        ExpiresAt = expiresAt,
                    };
                    actions.Add(new TableTransactionAction(TableTransactionActionType.Add, added));
                    decided.Add((file, new GrantDecision.Granted(added)));
                }
            }

            if (actions.Count == 0)
            {
                return decided;
            }

            if (reserved != account.ReservedBytes)
            {
                // Only a reservation needs the account's ETag; renewals alone leave it alone.
                account.ReservedBytes = reserved;
                actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, account, account.ETag));
            }

            // Due first: a grant the sweeper cannot find by its time would never be settled.
            var written = GrantDecision.RowsWritten(decided).Select(row => (caller.AccountId, row.Hash)).ToList();
            await due.AddAsync(DueKinds.Grant, expiresAt, written, ct);
            await due.AddAsync(DueKinds.Landed, now + sasLife, written, ct);
            try
            {
                // The rows' new ETags go into the grant's ledger: the commit's check starts from them.
                var answers = await accounts.Table.SubmitTransactionAsync(actions, ct);
                foreach (var (action, answer) in actions.Zip(answers.Value))
                {
                    action.Entity.ETag = answer.Headers.ETag ?? action.Entity.ETag;
                }

                return decided;
            }
            catch (TableTransactionFailedException e) when (OptimisticRetry.IsRace(e))
            {
                await LearnAsync(caller.AccountId, chunk, actions, e, known, ct);
                throw OptimisticRetry.Lost(e);
            }
        }, cancellationToken);
    }

    /// <summary>After a failed transaction: nothing when it named the account (the caller reads
    /// that again anyway); the row it named; or — when it named none, or it was the first
    /// surprise of this chunk — every row of the chunk, so one more round decides.</summary>
    private async Task LearnAsync(string accountId, IReadOnlyList<GrantFile> chunk, List<TableTransactionAction> actions,
        TableTransactionFailedException failure, Dictionary<string, ContentEntity?> known, CancellationToken cancellationToken)
    {
        var failed = failure.FailedTransactionActionIndex is int index && index < actions.Count ? actions[index].Entity : null;
        if (failed is AccountEntity)
        {
            return;
        }

        var toRead = failed is ContentEntity row && known.Count > 0 ? [row.Hash] : chunk.Select(f => f.Hash!).ToArray();
        await Parallel.ForEachAsync(toRead, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (hash, ct) =>
        {
            var found = await accounts.Table.GetEntityIfExistsAsync<ContentEntity>(accountId, ContentEntity.RowFor(hash), cancellationToken: ct);
            lock (known)
            {
                known[hash] = found.HasValue ? found.Value : null;
            }
        });
    }
}

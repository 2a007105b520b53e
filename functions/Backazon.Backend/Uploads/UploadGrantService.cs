using Azure;
using Azure.Data.Tables;
using Backazon.Backend.Accounts;
using Backazon.Backend.Chunks;
using Backazon.Backend.Configuration;
using Backazon.Backend.Errors;
using Backazon.Backend.Plans;
using Backazon.Backend.Security;
using Backazon.Backend.Storage;
using Backazon.Contracts;
using Microsoft.Extensions.Options;

namespace Backazon.Backend.Uploads;

/// <summary>
/// Answers a device's "may I upload these?" per file: already stored (nothing to send), a SAS
/// for exactly its content blob, or a refusal a person can act on. A file the backend cannot
/// take (a path it refuses, a size over the plan) is refused alone; the rest of the batch goes
/// on. Bytes granted count against the quota until the content is verified or the grant
/// expires, so devices uploading at once cannot overshoot it.
/// </summary>
/// <remarks>
/// Cost: one account read per request, then new content is granted optimistically — its rows
/// added in one transaction per 99 files, with the account's reservation — and only content
/// the account already knows costs a point read (after the transaction says it exists).
/// </remarks>
public sealed class UploadGrantService(
    AccountStore accounts, PlanCatalog plans, ContentBlobs blobs, ChunkLists chunkLists, SasIssuer sas, DueIndex due, GrantLedger ledger,
    IOptions<SasOptions> sasOptions, TimeProvider clock)
{
    /// <summary>How long after its SAS expires a grant waits for the device's commit.</summary>
    public static readonly TimeSpan CommitWindow = TimeSpan.FromHours(1);

    // A table transaction holds at most 100 operations: the account row plus 99 content rows.
    private const int RowsPerTransaction = 99;

    public async Task<UploadGrantResponse> GrantAsync(DeviceCaller caller, UploadGrantRequest request, CancellationToken cancellationToken = default)
    {
        var (files, pathRefusals) = Validate(request);
        var account = await accounts.GetAccountAsync(caller.AccountId, cancellationToken);
        var plan = plans.Get(account.PlanId);
        var byHash = new Dictionary<string, UploadGrant>(StringComparer.Ordinal);
        var refusal = StatusRefusal(account.Status) ?? DeviceRefusal(caller);

        var wanted = new List<GrantFile>();
        foreach (var group in files.Where((_, i) => !pathRefusals.ContainsKey(i)).GroupBy(f => f.Hash!, StringComparer.Ordinal))
        {
            var file = group.First();
            if (refusal is not null)
            {
                byHash[group.Key] = Refused(file, refusal);
            }
            else if (file.Size > plan.MaxFileBytes)
            {
                byHash[group.Key] = Refused(file, $"The file is {Format(file.Size)}; the {plan.DisplayName} plan takes files up to {Format(plan.MaxFileBytes)}.");
            }
            else
            {
                wanted.Add(file);
            }
        }

        AccountEntity? fresh = account;
        var written = new List<ContentEntity>();
        foreach (var chunk in wanted.Chunk(RowsPerTransaction))
        {
            // The account as read for this request serves the first chunk; its ETag is spent after.
            var decided = await ReserveAsync(caller, plan, fresh ?? await accounts.GetAccountAsync(caller.AccountId, cancellationToken), chunk, cancellationToken);
            fresh = null;
            foreach (var (file, decision) in decided)
            {
                byHash[file.Hash!] = await AnswerAsync(caller.AccountId, file, decision, cancellationToken);
            }

            written.AddRange(RowsWritten(decided));
        }

        var grantId = await ledger.WriteAsync(caller.AccountId, written,
            clock.GetUtcNow() + TimeSpan.FromMinutes(sasOptions.Value.UploadMinutes) + CommitWindow, cancellationToken);
        return new UploadGrantResponse(files.Select((f, i) => pathRefusals.TryGetValue(i, out var reason)
            ? new UploadGrant(f.Path ?? "", f.Hash!, GrantOutcomes.Refused, null, null, reason)
            : byHash[f.Hash!] with { Path = f.Path! }).ToList(), grantId);
    }

    /// <summary>Uploads failing the check this many times stop a device's backups: honest devices
    /// almost never send bytes other than they declared (the uploader checks before it commits).</summary>
    public const int MaxRejectedUploads = 10;

    private static string? DeviceRefusal(DeviceCaller caller) => caller.RejectedUploads >= MaxRejectedUploads
        ? $"This device sent {caller.RejectedUploads} uploads whose bytes did not match what it declared within {DeviceEntity.RejectionWindow.TotalDays:0} days, so its backups are stopped; they start again {DeviceEntity.RejectionWindow.TotalDays:0} days after the first of them, or when the operator clears the count (backazon admin device clear ACCOUNT DEVICE)."
        : null;

    /// <summary>Backups continue while past due; they stop when suspended or canceled.</summary>
    public static string? StatusRefusal(string status) => status switch
    {
        AccountStatuses.Active or AccountStatuses.PastDue => null,
        AccountStatuses.Suspended => "The subscription is suspended: backups are paused until it is active again. Restores keep working.",
        AccountStatuses.Purged => "The subscription was canceled and its data purged: nothing can be backed up or restored.",
        _ => "The subscription is canceled: no new backups are accepted. Restores keep working until the data is purged.",
    };

    private abstract record Decision;

    private sealed record Granted(ContentEntity Row) : Decision;

    /// <summary>An upload of this content was granted before (this run's kill, another device):
    /// a new SAS for the same blob, no second reservation.</summary>
    private sealed record Renewed(ContentEntity Row) : Decision;

    private sealed record AlreadyStored : Decision;

    /// <summary>The content rows the decisions add or renew.</summary>
    private static IEnumerable<ContentEntity> RowsWritten(IEnumerable<(GrantFile File, Decision Decision)> decided) =>
        decided.Select(d => d.Decision switch { Granted g => g.Row, Renewed r => r.Row, _ => null }).OfType<ContentEntity>();

    private sealed record Refusal(string Reason) : Decision;

    private async Task<UploadGrant> AnswerAsync(string accountId, GrantFile file, Decision decision, CancellationToken cancellationToken)
    {
        switch (decision)
        {
            case Granted:
                return await UploadAsync(accountId, file, cancellationToken);
            case Renewed:
                // A device killed after its upload finished asks again: if the blob is all there,
                // nothing needs sending (the commit checks it). A blob of the wrong size is a
                // broken or hostile upload; no version points at it, so it goes.
                var blob = blobs.Blob(accountId, file.Hash!);
                try
                {
                    var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken);
                    if (properties.Value.ContentLength == file.Size)
                    {
                        return Stored(file);
                    }

                    await ContentBlobs.DeleteAsync(blob, cancellationToken);
                }
                catch (RequestFailedException e) when (e.Status == 404)
                {
                }

                return await UploadAsync(accountId, file, cancellationToken, renewed: true);
            case Refusal refused:
                return Refused(file, refused.Reason);
            default:
                return Stored(file);
        }
    }

    private async Task<UploadGrant> UploadAsync(string accountId, GrantFile file, CancellationToken cancellationToken, bool renewed = false)
    {
        if (file.Chunks is { } chunks)
        {
            // Chunked content: the device writes only a staging blob of its new chunks; the
            // content blob is the backend's to build (see ChunkedContentBuilder), so no SAS names it.
            // A device resuming an upload may no longer know its base (its index holds the new
            // hash by then): the earlier grant's stays.
            if (file.Base is null && renewed && await chunkLists.ReadAsync(accountId, file.Hash!, cancellationToken) is { Base: { } earlier })
            {
                file = file with { Base = earlier };
            }

            var held = await HeldAsync(accountId, file, cancellationToken);
            await chunkLists.WriteAsync(accountId, file.Hash!, new ChunkList(held.Count > 0 ? file.Base : null, chunks), cancellationToken);
            var staging = await sas.UploadUrlAsync(chunkLists.Staging(accountId, file.Hash!), file.Size, cancellationToken);
            return new UploadGrant(file.Path!, file.Hash!, GrantOutcomes.Upload, staging.Url.ToString(), staging.ExpiresAt, null, held);
        }

        var url = await sas.UploadUrlAsync(blobs.Blob(accountId, file.Hash!), file.Size, cancellationToken);
        return new UploadGrant(file.Path!, file.Hash!, GrantOutcomes.Upload, url.Url.ToString(), url.ExpiresAt, null);
    }

    /// <summary>The file's chunks its named base holds, when the base is checked content of the
    /// account with a chunk list (one row read and one list read, for a changed big file).</summary>
    private async Task<IReadOnlyList<string>> HeldAsync(string accountId, GrantFile file, CancellationToken cancellationToken)
    {
        if (file.Base is null || file.Base == file.Hash)
        {
            return [];
        }

        var row = await accounts.Table.GetEntityIfExistsAsync<ContentEntity>(accountId, ContentEntity.RowFor(file.Base), cancellationToken: cancellationToken);
        if (row is not { HasValue: true, Value.IsVerified: true } || await chunkLists.ReadAsync(accountId, file.Base, cancellationToken) is not { } baseList)
        {
            return [];
        }

        var inBase = baseList.Chunks.Select(c => c.Hash!).ToHashSet(StringComparer.Ordinal);
        return file.Chunks!.Select(c => c.Hash!).Where(inBase.Contains).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Decides a chunk of distinct contents in one transaction guarded by the account's ETag:
    /// unknown content is added as granted (reserving its bytes), known content is renewed,
    /// stored or refused. When the transaction says a row exists or changed, or the account
    /// moved, what it named is read and the chunk decided again (<see cref="OptimisticRetry"/>).
    /// </summary>
    private async Task<List<(GrantFile, Decision)>> ReserveAsync(
        DeviceCaller caller, Plan plan, AccountEntity account, IReadOnlyList<GrantFile> chunk, CancellationToken cancellationToken)
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
            var expiresAt = now + TimeSpan.FromMinutes(sasOptions.Value.UploadMinutes) + CommitWindow;
            var actions = new List<TableTransactionAction>();
            var decided = new List<(GrantFile, Decision)>();
            var reserved = account.ReservedBytes;
            var committed = account.UsedBytes + account.ReservedBytes;
            foreach (var file in chunk)
            {
                known.TryGetValue(file.Hash!, out var row);
                if (row is { IsVerified: true })
                {
                    decided.Add((file, row.Size == file.Size ? new AlreadyStored()
                        : new Refusal($"Content with this hash is stored with size {row.Size}, not {file.Size}: the size or hash is wrong.")));
                }
                else if (row is not null && row.Size != file.Size)
                {
                    decided.Add((file, new Refusal($"An upload of this content with size {row.Size}, not {file.Size}, is in progress: the size or hash is wrong.")));
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
                    decided.Add((file, new Renewed(row)));
                }
                else if (committed + file.Size > plan.StorageQuotaBytes)
                {
                    decided.Add((file, new Refusal(
                        $"Quota reached: the {plan.DisplayName} plan holds {Format(plan.StorageQuotaBytes)} and {Format(committed)} is used or uploading; this file needs {Format(file.Size)} more.")));
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
                    decided.Add((file, new Granted(added)));
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
            await due.AddAsync(DueKinds.Grant, expiresAt, RowsWritten(decided).Select(row => (caller.AccountId, row.Hash)), ct);
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

    /// <summary>Checks the request as a whole (a bad request changes nothing) and each path on its
    /// own: a path the catalog cannot take refuses that file only.</summary>
    private static (List<GrantFile> Files, Dictionary<int, string> PathRefusals) Validate(UploadGrantRequest request)
    {
        var files = request.Files ?? throw BackazonException.BadRequest("The field 'files' is required.", "files");
        if (files.Count == 0 || files.Count > BackupLimits.MaxGrantFiles)
        {
            throw BackazonException.BadRequest($"Send between 1 and {BackupLimits.MaxGrantFiles} files per grant request; this one has {files.Count}.", "files");
        }

        var refusals = new Dictionary<int, string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var chunks = 0;
        for (var i = 0; i < files.Count; i++)
        {
            var file = files[i] ?? throw BackazonException.BadRequest($"The field 'files[{i}]' is null.", $"files[{i}]");
            CatalogPathRules.ValidHash(file.Hash, $"files[{i}].hash");
            if (file.Size is < 0 or > BackupLimits.MaxFileSize)
            {
                throw BackazonException.BadRequest(
                    $"The field 'files[{i}].size' must be between 0 and {BackupLimits.MaxFileSize:N0} bytes.", $"files[{i}].size");
            }

            ChunkRules.Validate(file, $"files[{i}]");
            chunks += file.Chunks?.Count ?? 0;
            if (chunks > BackupLimits.MaxGrantChunks)
            {
                throw BackazonException.BadRequest($"Send at most {BackupLimits.MaxGrantChunks:N0} chunks per grant request (all files together).", "files");
            }

            if (CatalogPathRules.Refusal(file.Path, $"files[{i}].path") is { } refusal)
            {
                refusals[i] = refusal;
            }
            else if (!seen.Add(file.Path!))
            {
                throw BackazonException.BadRequest($"The path in 'files[{i}].path' appears twice in this request.", $"files[{i}].path");
            }
        }

        return (files.ToList(), refusals);
    }

    private static UploadGrant Stored(GrantFile file) => new(file.Path!, file.Hash!, GrantOutcomes.Stored, null, null, null);

    private static UploadGrant Refused(GrantFile file, string reason) =>
        new(file.Path!, file.Hash!, GrantOutcomes.Refused, null, null, reason);

    private static string Format(long bytes) => ByteSizes.Format(bytes);
}

using Azure;
using Azure.Data.Tables;
using Backazon.Backend.Accounts;
using Backazon.Backend.Configuration;
using Backazon.Backend.Errors;
using Backazon.Backend.Plans;
using Backazon.Backend.Security;
using Backazon.Backend.Storage;
using Backazon.Contracts;
using Microsoft.Extensions.Options;

namespace Backazon.Backend.Uploads;

/// <summary>
/// Answers a device's "may I upload these?": already stored, a write-only SAS for one staging
/// blob, or a refusal a person can act on. Bytes granted count against the quota until the
/// content is verified or the grant is swept, so concurrent devices cannot overshoot it.
/// </summary>
public sealed class UploadGrantService(
    AccountStore accounts, PlanCatalog plans, StorageClients storage, SasIssuer sas, IOptions<SasOptions> sasOptions, TimeProvider clock)
{
    /// <summary>How long after its SAS expires a grant waits for the device's commit.</summary>
    public static readonly TimeSpan CommitWindow = TimeSpan.FromHours(1);

    // A table transaction holds at most 100 operations: the account row plus 99 grants.
    private const int GrantsPerTransaction = 99;

    public async Task<UploadGrantResponse> GrantAsync(DeviceCaller caller, UploadGrantRequest request, CancellationToken cancellationToken = default)
    {
        var files = Validate(request);
        var account = await accounts.GetAccountAsync(caller.AccountId, cancellationToken);
        var plan = plans.Get(account.PlanId);
        var results = new Dictionary<string, UploadGrant>(); // by hash
        var refusal = StatusRefusal(account.Status);

        var wanted = new List<GrantFile>();
        foreach (var group in files.GroupBy(f => f.Hash!))
        {
            var file = group.First();
            if (refusal is not null)
            {
                results[group.Key] = Refused(file, refusal);
            }
            else if (file.Size > plan.MaxFileBytes)
            {
                results[group.Key] = Refused(file, $"The file is {Format(file.Size)}; the {plan.DisplayName} plan takes files up to {Format(plan.MaxFileBytes)}.");
            }
            else
            {
                wanted.Add(file);
            }
        }

        var existing = await ExistingAsync(caller.AccountId, wanted.Select(f => f.Hash!), cancellationToken);
        var toReserve = new List<GrantFile>();
        foreach (var file in wanted)
        {
            if (existing.Contents.TryGetValue(file.Hash!, out var content))
            {
                results[file.Hash!] = content.Size == file.Size
                    ? new UploadGrant(file.Path!, file.Hash!, GrantOutcomes.Stored, null, null, null)
                    : Refused(file, $"Content with this hash is stored with size {content.Size}, not {file.Size}: the size or hash is wrong.");
            }
            else if (existing.Grants.TryGetValue(file.Hash!, out var grant) && grant.Size != file.Size)
            {
                results[file.Hash!] = Refused(file, $"An upload of this content with size {grant.Size}, not {file.Size}, is in progress: the size or hash is wrong.");
            }
            else
            {
                toReserve.Add(file);
            }
        }

        foreach (var (file, grant, reason) in await ReserveAsync(caller, plan, toReserve, existing, cancellationToken))
        {
            results[file.Hash!] = (grant, reason) switch
            {
                (not null, _) => await UploadAsync(file, grant, cancellationToken),
                (null, not null) => Refused(file, reason),
                _ => new UploadGrant(file.Path!, file.Hash!, GrantOutcomes.Stored, null, null, null), // verified meanwhile
            };
        }

        return new UploadGrantResponse(files.Select(f => results[f.Hash!] with { Path = f.Path! }).ToList());
    }

    /// <summary>Backups continue while past due; they stop when suspended or canceled.</summary>
    public static string? StatusRefusal(string status) => status switch
    {
        AccountStatuses.Active or AccountStatuses.PastDue => null,
        AccountStatuses.Suspended => "The subscription is suspended: backups are paused until it is active again. Restores keep working.",
        AccountStatuses.Purged => "The subscription was canceled and its data purged: nothing can be backed up or restored.",
        _ => "The subscription is canceled: no new backups are accepted. Restores keep working until the data is purged.",
    };

    private async Task<UploadGrant> UploadAsync(GrantFile file, GrantEntity grant, CancellationToken cancellationToken)
    {
        var blob = storage.Blobs.GetBlobContainerClient(StorageNames.UploadsContainer).GetBlobClient(grant.StagingBlob);
        var url = await sas.UploadUrlAsync(blob, cancellationToken);
        return new UploadGrant(file.Path!, file.Hash!, GrantOutcomes.Upload, url.Url.ToString(), url.ExpiresAt, null);
    }

    /// <summary>
    /// Creates or renews grants, reserving the bytes of new ones, in transactions guarded by the
    /// account's ETag: on a race the batch is re-read and re-decided, so the quota holds.
    /// A file whose content was verified meanwhile comes back with neither grant nor reason.
    /// </summary>
    private async Task<List<(GrantFile File, GrantEntity? Grant, string? Reason)>> ReserveAsync(
        DeviceCaller caller, Plan plan, List<GrantFile> files,
        (Dictionary<string, ContentEntity> Contents, Dictionary<string, GrantEntity> Grants) firstLook, CancellationToken cancellationToken)
    {
        var decided = new List<(GrantFile, GrantEntity?, string?)>();
        foreach (var chunk in files.Chunk(GrantsPerTransaction))
        {
            // What the caller just read serves the first attempt; only a lost race reads again.
            var existing = firstLook;
            while (true)
            {
                var account = await accounts.GetAccountAsync(caller.AccountId, cancellationToken);
                var now = clock.GetUtcNow();
                var expiresAt = now + TimeSpan.FromMinutes(sasOptions.Value.UploadMinutes) + CommitWindow;
                var actions = new List<TableTransactionAction>();
                var outcome = new List<(GrantFile, GrantEntity?, string?)>();
                var committed = account.UsedBytes + account.ReservedBytes;
                foreach (var file in chunk)
                {
                    if (existing.Contents.ContainsKey(file.Hash!))
                    {
                        outcome.Add((file, null, null)); // verified since we first looked
                    }
                    else if (existing.Grants.TryGetValue(file.Hash!, out var grant))
                    {
                        // Renew: a new SAS for the same staging blob, no second reservation.
                        grant.ExpiresAt = expiresAt;
                        grant.DeviceId = caller.DeviceId;
                        actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, grant, grant.ETag));
                        outcome.Add((file, grant, null));
                    }
                    else if (committed + file.Size > plan.StorageQuotaBytes)
                    {
                        outcome.Add((file, null,
                            $"Quota reached: the {plan.DisplayName} plan holds {Format(plan.StorageQuotaBytes)} and {Format(committed)} is used or uploading; this file needs {Format(file.Size)} more."));
                    }
                    else
                    {
                        committed += file.Size;
                        account.ReservedBytes += file.Size;
                        var added = new GrantEntity
                        {
                            PartitionKey = caller.AccountId,
                            RowKey = GrantEntity.RowFor(file.Hash!),
                            Size = file.Size,
                            StagingBlob = $"{caller.AccountId}/staging/{Secrets.NewId()}",
                            DeviceId = caller.DeviceId,
                            IssuedAt = now,
                            ExpiresAt = expiresAt,
                        };
                        actions.Add(new TableTransactionAction(TableTransactionActionType.Add, added));
                        outcome.Add((file, added, null));
                    }
                }

                if (actions.Count == 0)
                {
                    decided.AddRange(outcome);
                    break;
                }

                actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, account, account.ETag));
                try
                {
                    await accounts.Table.SubmitTransactionAsync(actions, cancellationToken);
                    decided.AddRange(outcome);
                    break;
                }
                catch (TableTransactionFailedException e) when (e.Status is 404 or 409 or 412)
                {
                    // Another grant, a verification (which removes the grant) or another device
                    // got there first: read again and decide again.
                    existing = await ExistingAsync(caller.AccountId, chunk.Select(f => f.Hash!), cancellationToken);
                }
            }
        }

        return decided;
    }

    private async Task<(Dictionary<string, ContentEntity> Contents, Dictionary<string, GrantEntity> Grants)> ExistingAsync(
        string accountId, IEnumerable<string> hashes, CancellationToken cancellationToken)
    {
        var contents = new Dictionary<string, ContentEntity>();
        var grants = new Dictionary<string, GrantEntity>();
        // Point reads, a few at a time: each is one cheap request, and most batches are small.
        await Parallel.ForEachAsync(hashes.Distinct(), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (hash, ct) =>
        {
            var content = await accounts.Table.GetEntityIfExistsAsync<ContentEntity>(accountId, ContentEntity.RowFor(hash), cancellationToken: ct);
            if (content.HasValue)
            {
                lock (contents)
                {
                    contents[hash] = content.Value!;
                }

                return;
            }

            var grant = await accounts.Table.GetEntityIfExistsAsync<GrantEntity>(accountId, GrantEntity.RowFor(hash), cancellationToken: ct);
            if (grant.HasValue)
            {
                lock (grants)
                {
                    grants[hash] = grant.Value!;
                }
            }
        });
        return (contents, grants);
    }

    private static List<GrantFile> Validate(UploadGrantRequest request)
    {
        var files = request.Files ?? throw BackazonException.BadRequest("The field 'files' is required.", "files");
        if (files.Count == 0 || files.Count > BackupLimits.MaxGrantFiles)
        {
            throw BackazonException.BadRequest($"Send between 1 and {BackupLimits.MaxGrantFiles} files per grant request; this one has {files.Count}.", "files");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < files.Count; i++)
        {
            var file = files[i] ?? throw BackazonException.BadRequest($"The field 'files[{i}]' is null.", $"files[{i}]");
            CatalogPathRules.ValidPath(file.Path, $"files[{i}].path");
            CatalogPathRules.ValidHash(file.Hash, $"files[{i}].hash");
            if (file.Size is < 0 or > BackupLimits.MaxFileSize)
            {
                throw BackazonException.BadRequest(
                    $"The field 'files[{i}].size' must be between 0 and {BackupLimits.MaxFileSize:N0} bytes.", $"files[{i}].size");
            }

            if (!seen.Add(file.Path!))
            {
                throw BackazonException.BadRequest($"The path in 'files[{i}].path' appears twice in this request.", $"files[{i}].path");
            }
        }

        return files.ToList();
    }

    private static UploadGrant Refused(GrantFile file, string reason) =>
        new(file.Path!, file.Hash!, GrantOutcomes.Refused, null, null, reason);

    private static string Format(long bytes) => ByteSizes.Format(bytes);
}

using Azure;
using Azure.Data.Tables;
using Backazon.Backend.Accounts;
using Backazon.Backend.Catalog;
using Backazon.Backend.Configuration;
using Backazon.Backend.Content;
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
    AccountStore accounts, PlanCatalog plans, ContentBlobs blobs, ContentRows rows, ContentGrants grants, ChunkLists chunkLists, SasIssuer sas, GrantLedger ledger,
    IOptions<SasOptions> sasOptions, TimeProvider clock)
{
    /// <summary>How long after its SAS expires a grant waits for the device's commit.</summary>
    public static readonly TimeSpan CommitWindow = TimeSpan.FromHours(1);

    private TimeSpan SasLife => TimeSpan.FromMinutes(sasOptions.Value.UploadMinutes);

    /// <summary>How long a grant's row waits before the sweeper settles it.</summary>
    private TimeSpan GrantLife => SasLife + CommitWindow;

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
        foreach (var chunk in wanted.Chunk(ContentGrants.RowsPerTransaction))
        {
            // The account as read for this request serves the first chunk; its ETag is spent after.
            var decided = await grants.DecideAsync(caller, plan, fresh ?? await accounts.GetAccountAsync(caller.AccountId, cancellationToken), chunk, SasLife, GrantLife, cancellationToken);
            fresh = null;
            foreach (var (file, decision) in decided)
            {
                byHash[file.Hash!] = await AnswerAsync(caller.AccountId, file, decision, cancellationToken);
            }

            written.AddRange(GrantDecision.RowsWritten(decided));
        }

        var grantId = await ledger.WriteAsync(caller.AccountId, written,
            clock.GetUtcNow() + GrantLife, cancellationToken);
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

    private async Task<UploadGrant> AnswerAsync(string accountId, GrantFile file, GrantDecision decision, CancellationToken cancellationToken)
    {
        switch (decision)
        {
            case GrantDecision.Granted:
                return await UploadAsync(accountId, file, cancellationToken);
            case GrantDecision.Renewed:
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
            case GrantDecision.Refused refused:
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

        if (await rows.FindAsync(accountId, file.Base, cancellationToken) is not { IsVerified: true } || await chunkLists.ReadAsync(accountId, file.Base, cancellationToken) is not { } baseList)
        {
            return [];
        }

        var inBase = baseList.Chunks.Select(c => c.Hash!).ToHashSet(StringComparer.Ordinal);
        return file.Chunks!.Select(c => c.Hash!).Where(inBase.Contains).Distinct(StringComparer.Ordinal).ToList();
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

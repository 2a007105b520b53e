using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Backazon.Backend.Accounts;
using Backazon.Backend.Catalog;
using Backazon.Backend.Configuration;
using Backazon.Backend.Content;
using Backazon.Backend.Errors;
using Backazon.Backend.Messages;
using Backazon.Backend.Security;
using Backazon.Backend.Storage;
using Backazon.Contracts;

namespace Backazon.Backend.Uploads;

/// <summary>
/// Takes a device's batch of changes: checks every one, saves the manifest, records the commit
/// as pending and queues it for cataloging — in that order, so a queued commit always has its
/// manifest, and a commit that never got queued is found by the sweeper.
/// </summary>
public sealed class CommitService(AccountStore accounts, StorageClients storage, DueIndex due, TimeProvider clock)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly BlobContainerClient _uploads = storage.Blobs.GetBlobContainerClient(StorageNames.UploadsContainer);
    private readonly QueueClient _queue = storage.Queues.GetQueueClient(StorageNames.CatalogQueue);

    public static string ManifestBlobName(string accountId, string commitId) => $"{accountId}/commits/{commitId}.json";

    public static string ResultBlobName(string accountId, string commitId) => $"{accountId}/commits/{commitId}.result.json";

    public async Task<CommitResponse> CommitAsync(DeviceCaller caller, CommitRequest request, CancellationToken cancellationToken = default)
    {
        var changes = Validate(request);
        if (request.Id is not null && !DeviceToken.IsId(request.Id))
        {
            throw BackazonException.BadRequest("The field 'id' must be 24 lowercase hexadecimal characters (an idempotency key the device chose).", "id");
        }

        if (request.GrantIds is { } grantIds && (grantIds.Count > GrantLedger.MaxPerCommit || grantIds.Any(g => g is null || !DeviceToken.IsId(g))))
        {
            throw BackazonException.BadRequest(
                $"The field 'grantIds' takes up to {GrantLedger.MaxPerCommit} grant ids, each as the grant answer gave it (24 lowercase hexadecimal characters).", "grantIds");
        }

        // The same key again is a retry of a request whose answer was lost: answer it again.
        var commitId = request.Id ?? Secrets.NewId();
        var bodyHash = BodyHash(changes, request.GrantIds);
        if (request.Id is not null && await FindAsync(caller, commitId, bodyHash, cancellationToken) is { } earlier)
        {
            return earlier;
        }

        var account = await accounts.GetAccountAsync(caller.AccountId, cancellationToken);
        if (UploadGrantService.StatusRefusal(account.Status) is { } refusal)
        {
            throw BackazonException.Conflict(refusal);
        }

        var committedAt = clock.GetUtcNow();
        await _uploads.GetBlobClient(ManifestBlobName(caller.AccountId, commitId))
            .UploadAsync(BinaryData.FromObjectAsJson(new CommitManifest(caller.DeviceId, committedAt, changes, request.GrantIds), Json), overwrite: true, cancellationToken);
        // Due before the row: should its message be lost, the sweeper finds the commit by its
        // time; and the row is forgotten once the plan's history has passed it.
        await due.AddAsync(DueKinds.Commit, committedAt + GrantSweeper.CommitRequeueAfter, [(caller.AccountId, commitId)], cancellationToken);
        await due.AddForAccountAsync(DueKinds.ForgetCommit, caller.AccountId, committedAt, [new DueEntity { RowKey = commitId, Id = commitId }], cancellationToken);
        try
        {
            await accounts.Table.AddEntityAsync(new CommitEntity
            {
                PartitionKey = caller.AccountId,
                RowKey = CommitEntity.RowFor(commitId),
                DeviceId = caller.DeviceId,
                CommittedAt = committedAt,
                Changes = changes.Count,
                State = CommitStates.Pending,
                BodyHash = bodyHash,
            }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409 && request.Id is not null)
        {
            // Two deliveries of one retried request raced; the first one's row stands, and its
            // manifest was the same batch.
            if (await FindAsync(caller, commitId, bodyHash, cancellationToken) is { } raced)
            {
                return raced;
            }

            throw;
        }

        await EnqueueAsync(new CatalogMessage(caller.AccountId, caller.DeviceId, commitId), cancellationToken);
        return new CommitResponse(commitId, committedAt, changes.Count);
    }

    /// <summary>The commit this device made under this key, if any. A pending one is queued once
    /// more: the first attempt may have died between its row and its message, and cataloging the
    /// same commit twice changes nothing. Another device's key is refused rather than answered:
    /// keys name one device's batches. So is another body under the same key: answering with
    /// the first commit would drop the new changes without a word.</summary>
    private async Task<CommitResponse?> FindAsync(DeviceCaller caller, string commitId, string bodyHash, CancellationToken cancellationToken)
    {
        var row = await accounts.Table.GetEntityIfExistsAsync<CommitEntity>(caller.AccountId, CommitEntity.RowFor(commitId), cancellationToken: cancellationToken);
        if (!row.HasValue)
        {
            return null;
        }

        var commit = row.Value!;
        if (commit.DeviceId != caller.DeviceId)
        {
            throw BackazonException.Conflict("Another device made a commit with this id; choose a new one.");
        }

        if (commit.BodyHash is not null && commit.BodyHash != bodyHash)
        {
            throw BackazonException.Conflict("A commit with this id was made with other changes; send a new batch under a new id.");
        }

        if (commit.State == CommitStates.Pending)
        {
            await EnqueueAsync(new CatalogMessage(caller.AccountId, caller.DeviceId, commitId), cancellationToken);
        }

        return new CommitResponse(commitId, commit.CommittedAt, commit.Changes);
    }

    private static string BodyHash(IReadOnlyList<FileChange> changes, IReadOnlyList<string>? grantIds) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(new { changes, grantIds }, Json)));

    /// <summary>Removes the account's commits made before <paramref name="before"/> (their rows,
    /// manifests and results), found through the due index: a commit still pending is left for
    /// the sweeper to settle first. Returns how many went.</summary>
    public async Task<int> ForgetAsync(string accountId, DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        var forgotten = 0;
        var done = new List<DueEntity>();
        await foreach (var row in due.DueAsync(DueKinds.ForgetCommit, before, accountId, cancellationToken))
        {
            var commit = await accounts.Table.GetEntityIfExistsAsync<CommitEntity>(accountId, CommitEntity.RowFor(row.Id), cancellationToken: cancellationToken);
            if (commit is { HasValue: true, Value.State: CommitStates.Pending })
            {
                continue;
            }

            await _uploads.GetBlobClient(ResultBlobName(accountId, row.Id)).DeleteIfExistsAsync(cancellationToken: cancellationToken);
            await _uploads.GetBlobClient(ManifestBlobName(accountId, row.Id)).DeleteIfExistsAsync(cancellationToken: cancellationToken);
            if (commit.HasValue)
            {
                await accounts.Table.DeleteEntityAsync(commit.Value!, ETag.All, cancellationToken);
                forgotten++;
            }

            done.Add(row);
        }

        await due.DoneAsync(done, cancellationToken);
        return forgotten;
    }

    public Task EnqueueAsync(CatalogMessage message, CancellationToken cancellationToken = default) =>
        _queue.SendMessageAsync(BinaryData.FromObjectAsJson(message, Json), cancellationToken: cancellationToken);

    /// <summary>A commit of the caller's account (any of its devices), or 404.</summary>
    public async Task<CommitStatus> StatusAsync(DeviceCaller caller, string commitId, CancellationToken cancellationToken = default)
    {
        if (!DeviceToken.IsId(commitId))
        {
            throw BackazonException.NotFound("The commit");
        }

        var row = await accounts.Table.GetEntityIfExistsAsync<CommitEntity>(caller.AccountId, CommitEntity.RowFor(commitId), cancellationToken: cancellationToken);
        var commit = row.HasValue ? row.Value! : throw BackazonException.NotFound("The commit");
        IReadOnlyList<RejectedFile> rejected = [];
        if (commit.State == CommitStates.Cataloged && commit.Cataloged < commit.Changes)
        {
            var result = await _uploads.GetBlobClient(ResultBlobName(caller.AccountId, commitId)).DownloadContentAsync(cancellationToken);
            rejected = result.Value.Content.ToObjectFromJson<List<RejectedFile>>(Json)!;
        }

        return new CommitStatus(commitId, commit.State, commit.Cataloged, rejected);
    }

    private static List<FileChange> Validate(CommitRequest request)
    {
        var changes = request.Changes ?? throw BackazonException.BadRequest("The field 'changes' is required.", "changes");
        if (changes.Count == 0 || changes.Count > BackupLimits.MaxCommitChanges)
        {
            throw BackazonException.BadRequest(
                $"Send between 1 and {BackupLimits.MaxCommitChanges} changes per commit; this one has {changes.Count}.", "changes");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < changes.Count; i++)
        {
            var field = $"changes[{i}]";
            var change = changes[i] ?? throw BackazonException.BadRequest($"The field '{field}' is null.", field);
            CatalogPathRules.ValidPath(change.Path, $"{field}.path");
            if (!seen.Add(change.Path!))
            {
                throw BackazonException.BadRequest($"The path in '{field}.path' appears twice in this commit.", $"{field}.path");
            }

            switch (change.Kind)
            {
                case EntryKinds.File:
                    CatalogPathRules.ValidHash(change.Hash, $"{field}.hash");
                    RequireModifiedAt(change, field);
                    if (change.Size is < 0 or > BackupLimits.MaxFileSize)
                    {
                        throw BackazonException.BadRequest($"The field '{field}.size' must be between 0 and {BackupLimits.MaxFileSize:N0}.", $"{field}.size");
                    }

                    if (change.Mode is < 0 or > BackupLimits.MaxMode)
                    {
                        throw BackazonException.BadRequest($"The field '{field}.mode' must be Unix permission bits, 0 to {BackupLimits.MaxMode} (0o7777).", $"{field}.mode");
                    }

                    break;
                case EntryKinds.Symlink:
                    RequireModifiedAt(change, field);
                    if (string.IsNullOrEmpty(change.LinkTarget) || change.LinkTarget.Length > BackupLimits.MaxLinkTargetLength
                        || change.LinkTarget.Contains('\0') || !CatalogPathRules.IsValidUtf16(change.LinkTarget))
                    {
                        throw BackazonException.BadRequest(
                            $"The field '{field}.linkTarget' must be 1 to {BackupLimits.MaxLinkTargetLength} characters of valid Unicode without NUL.", $"{field}.linkTarget");
                    }

                    break;
                case EntryKinds.Deleted:
                    break;
                case EntryKinds.Folder:
                    RequireModifiedAt(change, field);
                    break;
                default:
                    throw BackazonException.BadRequest(
                        $"The field '{field}.kind' must be '{EntryKinds.File}', '{EntryKinds.Symlink}', '{EntryKinds.Deleted}' or '{EntryKinds.Folder}'.", $"{field}.kind");
            }
        }

        return changes.ToList();
    }

    /// <summary>A restore sets the file's time from the catalog: a version without one would
    /// come back with the time of the restore.</summary>
    private static void RequireModifiedAt(FileChange change, string field)
    {
        if (change.ModifiedAt is null)
        {
            throw BackazonException.BadRequest($"The field '{field}.modifiedAt' is required for a {change.Kind}: the time the file was last modified.", $"{field}.modifiedAt");
        }
    }
}

/// <summary>What a commit's manifest blob holds; <paramref name="GrantIds"/> name the grant
/// ledgers the check may start from (<see cref="GrantLedger"/>).</summary>
public sealed record CommitManifest(string DeviceId, DateTimeOffset CommittedAt, IReadOnlyList<FileChange> Changes, IReadOnlyList<string>? GrantIds = null);

using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Backazon.Backend.Accounts;
using Backazon.Backend.Catalog;
using Backazon.Backend.Configuration;
using Backazon.Backend.Errors;
using Backazon.Backend.Security;
using Backazon.Backend.Storage;
using Backazon.Contracts;

namespace Backazon.Backend.Uploads;

/// <summary>
/// Takes a device's batch of changes: checks every one, saves the manifest, records the commit
/// as pending and queues it for cataloging — in that order, so a queued commit always has its
/// manifest, and a commit that never got queued is found by the sweeper.
/// </summary>
public sealed class CommitService(AccountStore accounts, StorageClients storage, TimeProvider clock)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly BlobContainerClient _uploads = storage.Blobs.GetBlobContainerClient(StorageNames.UploadsContainer);
    private readonly QueueClient _queue = storage.Queues.GetQueueClient(StorageNames.CatalogQueue);

    public static string ManifestBlobName(string accountId, string commitId) => $"{accountId}/commits/{commitId}.json";

    public static string ResultBlobName(string accountId, string commitId) => $"{accountId}/commits/{commitId}.result.json";

    public async Task<CommitResponse> CommitAsync(DeviceCaller caller, CommitRequest request, CancellationToken cancellationToken = default)
    {
        var changes = Validate(request);
        var account = await accounts.GetAccountAsync(caller.AccountId, cancellationToken);
        if (UploadGrantService.StatusRefusal(account.Status) is { } refusal)
        {
            throw BackazonException.Conflict(refusal);
        }

        var commitId = Secrets.NewId();
        var committedAt = clock.GetUtcNow();
        await _uploads.GetBlobClient(ManifestBlobName(caller.AccountId, commitId))
            .UploadAsync(BinaryData.FromObjectAsJson(new CommitManifest(caller.DeviceId, committedAt, changes), Json), cancellationToken);
        await accounts.Table.AddEntityAsync(new CommitEntity
        {
            PartitionKey = caller.AccountId,
            RowKey = CommitEntity.RowFor(commitId),
            DeviceId = caller.DeviceId,
            CommittedAt = committedAt,
            Changes = changes.Count,
            State = CommitStates.Pending,
        }, cancellationToken);
        await EnqueueAsync(new CatalogMessage(caller.AccountId, caller.DeviceId, commitId), cancellationToken);
        return new CommitResponse(commitId, committedAt, changes.Count);
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
                    if (change.Size is < 0 or > BackupLimits.MaxFileSize)
                    {
                        throw BackazonException.BadRequest($"The field '{field}.size' must be between 0 and {BackupLimits.MaxFileSize:N0}.", $"{field}.size");
                    }

                    break;
                case EntryKinds.Symlink:
                    if (string.IsNullOrEmpty(change.LinkTarget) || change.LinkTarget.Length > BackupLimits.MaxLinkTargetLength
                        || change.LinkTarget.Contains('\0') || !CatalogPathRules.IsValidUtf16(change.LinkTarget))
                    {
                        throw BackazonException.BadRequest(
                            $"The field '{field}.linkTarget' must be 1 to {BackupLimits.MaxLinkTargetLength} characters of valid Unicode without NUL.", $"{field}.linkTarget");
                    }

                    break;
                case EntryKinds.Deleted:
                    break;
                default:
                    throw BackazonException.BadRequest(
                        $"The field '{field}.kind' must be '{EntryKinds.File}', '{EntryKinds.Symlink}' or '{EntryKinds.Deleted}'.", $"{field}.kind");
            }
        }

        return changes.ToList();
    }
}

/// <summary>What a commit's manifest blob holds.</summary>
public sealed record CommitManifest(string DeviceId, DateTimeOffset CommittedAt, IReadOnlyList<FileChange> Changes);

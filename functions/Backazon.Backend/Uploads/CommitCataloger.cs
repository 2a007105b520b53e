using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Backazon.Backend.Accounts;
using Backazon.Backend.Catalog;
using Backazon.Backend.Configuration;
using Backazon.Backend.Content;
using Backazon.Backend.Messages;
using Backazon.Backend.Storage;
using Backazon.Backend.Uploads;
using Backazon.Contracts;
using Microsoft.Extensions.Logging;

namespace Backazon.Backend.Uploads;

/// <summary>
/// Catalogs one commit: verifies each new content, records a version for every change whose
/// content checked out (and for links and deletions), lists the rest as rejected, then marks the
/// commit cataloged. Every step can run again with the same result, so a message delivered twice,
/// or a worker that died half-way, changes nothing.
/// </summary>
public sealed class CommitCataloger(
    AccountStore accounts, StorageClients storage, GrantLedger ledger, ContentVerifier verifier, CatalogWriter writer, ContentReleaser releaser, IRetentionQueue retention,
    ILogger<CommitCataloger> logger)
{
    private readonly BlobContainerClient _uploads = storage.Blobs.GetBlobContainerClient(StorageNames.UploadsContainer);

    public async Task CatalogAsync(CatalogMessage message, CancellationToken cancellationToken = default)
    {
        var row = await accounts.Table.GetEntityIfExistsAsync<CommitEntity>(message.AccountId, CommitEntity.RowFor(message.CommitId), cancellationToken: cancellationToken);
        if (!row.HasValue)
        {
            logger.LogWarning("Commit {Commit} of account {Account} does not exist; message dropped.", message.CommitId, message.AccountId);
            return;
        }

        var commit = row.Value!;
        if (commit.State == CommitStates.Cataloged)
        {
            return;
        }

        var manifestBlob = _uploads.GetBlobClient(CommitService.ManifestBlobName(message.AccountId, message.CommitId));
        CommitManifest manifest;
        try
        {
            manifest = (await manifestBlob.DownloadContentAsync(cancellationToken)).Value.Content.ToObjectFromJson<CommitManifest>(CommitService.Json)!;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // A concurrent delivery finished first and removed the manifest: nothing left to do.
            var again = await accounts.Table.GetEntityAsync<CommitEntity>(message.AccountId, CommitEntity.RowFor(message.CommitId), cancellationToken: cancellationToken);
            if (again.Value.State == CommitStates.Cataloged)
            {
                return;
            }

            throw;
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var grantIds = manifest.GrantIds ?? [];
        var granted = await ledger.ReadAsync(message.AccountId, grantIds, cancellationToken);
        var verified = await verifier.EnsureManyAsync(message.AccountId,
            manifest.Changes.Where(c => c.Kind == EntryKinds.File).Select(c => c.Hash!), referencedNext: true, granted, cancellationToken);

        var versions = new List<FileChange>();
        var rejected = new List<RejectedFile>();
        foreach (var change in manifest.Changes)
        {
            if (change.Kind != EntryKinds.File)
            {
                versions.Add(change);
            }
            else if (verified[change.Hash!] is { Result: VerificationResult.Verified } ok && ok.Size == change.Size)
            {
                versions.Add(change);
            }
            else
            {
                var reason = verified[change.Hash!].Reason ?? $"The stored content has {verified[change.Hash!].Size} bytes, not {change.Size}.";
                rejected.Add(new RejectedFile(change.Path!, reason));
            }
        }

        // Content that checked out but that no version of this commit points at (its size was
        // declared otherwise) gets the reference check the verifier left to us.
        var referenced = versions.Where(v => v.Kind == EntryKinds.File).Select(v => v.Hash!).ToHashSet(StringComparer.Ordinal);
        foreach (var (hash, _) in verified.Where(v => v.Value.Result == VerificationResult.Verified && !referenced.Contains(v.Key)))
        {
            await releaser.FlagAsync(message.AccountId, hash, cancellationToken);
        }

        var verifying = clock.Elapsed;
        await writer.WriteAsync(message.AccountId, manifest.DeviceId, message.CommitId, manifest.CommittedAt, versions, cancellationToken);
        var writing = clock.Elapsed - verifying;

        // Each new version may push an older one out of the plan's history; a path the device
        // never committed before has none (the daily pass covers a device that says otherwise).
        // Queued before the commit is marked cataloged, so a crash here means the step runs again.
        foreach (var work in RetentionMessage.ForFiles(message.AccountId, manifest.DeviceId, versions.Where(v => !v.IsNew && v.Kind != EntryKinds.Folder).Select(v => v.Path!)))
        {
            await retention.SendAsync(work, cancellationToken);
        }

        if (rejected.Count > 0)
        {
            await _uploads.GetBlobClient(CommitService.ResultBlobName(message.AccountId, message.CommitId))
                .UploadAsync(BinaryData.FromObjectAsJson(rejected, CommitService.Json), overwrite: true, cancellationToken);
        }

        commit.State = CommitStates.Cataloged;
        commit.Cataloged = versions.Count;
        await accounts.Table.UpdateEntityAsync(commit, Azure.ETag.All, TableUpdateMode.Replace, cancellationToken);

        // Cataloged for good: the manifest and the grants' ledgers are never read again, so the
        // uploads container holds only what is still in flight (and the rejection lists devices ask for).
        await manifestBlob.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
        await ledger.DeleteAsync(message.AccountId, grantIds, CancellationToken.None);
        logger.LogInformation("Commit {Commit}: {Cataloged} versions cataloged, {Rejected} rejected, in {Total:N0} ms (verify {Verify:N0} ms, catalog {Write:N0} ms).",
            message.CommitId, versions.Count, rejected.Count, clock.ElapsedMilliseconds, verifying.TotalMilliseconds, writing.TotalMilliseconds);
    }
}

using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Backazon.Backend.Accounts;
using Backazon.Backend.Catalog;
using Backazon.Backend.Plans;
using Backazon.Contracts;
using Backazon.Uploader.Api;
using Microsoft.Extensions.DependencyInjection;

namespace Backazon.IntegrationTests.Infrastructure;

/// <summary>An enrolled device speaking the real HTTP API, with short ways to back up bytes.</summary>
public sealed class TestDevice(BackendFixture backend, EnrollResponse enrolled) : IDisposable
{
    public BackazonClient Api { get; } = new(backend.BaseAddress, enrolled.Token, retry: false);
    public string AccountId => enrolled.AccountId;
    public string DeviceId => enrolled.DeviceId;
    public string Token => enrolled.Token;

    public static async Task<TestDevice> CreateAsync(BackendFixture backend, string plan = "personal") =>
        new(backend, await backend.NewDeviceAsync(plan));

    public static async Task<TestDevice> EnrollAsync(BackendFixture backend, string accountId) =>
        new(backend, await backend.EnrollAsync(accountId));

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>The content identity the uploader gives these bytes: their SHA-256, or their
    /// chunk list's hash for chunked sizes.</summary>
    public static string Identity(byte[] bytes)
    {
        using var identity = Uploader.Planning.ContentIdentity.For(bytes.Length);
        identity.Append(bytes);
        return identity.Finish().Hash;
    }

    public static FileChange File(string path, byte[] bytes) =>
        new(path, EntryKinds.File, bytes.Length, Sha256(bytes), DateTimeOffset.UtcNow.AddDays(-1), null);

    /// <summary>Grants, uploads what is asked for, commits, and waits until it is cataloged.</summary>
    public async Task<CommitStatus> BackupAsync(params (string Path, byte[] Bytes)[] files)
    {
        var grants = await Api.RequestGrantsAsync(new UploadGrantRequest(files.Select(f => new GrantFile(f.Path, f.Bytes.Length, Sha256(f.Bytes))).ToList()));
        foreach (var (grant, file) in grants.Files.Zip(files))
        {
            Assert.NotEqual(GrantOutcomes.Refused, grant.Outcome);
            if (grant.Outcome == GrantOutcomes.Upload)
            {
                await new BlobClient(new Uri(grant.UploadUrl!)).UploadAsync(BinaryData.FromBytes(file.Bytes));
            }
        }

        // As the uploader does: the commit names its grant, whose ledger the check starts from.
        var commit = await Api.CommitAsync(new CommitRequest(files.Select(f => File(f.Path, f.Bytes)).ToList(), GrantIds: grants.GrantId is { } id ? [id] : null));
        return await WaitAsync(commit.CommitId);
    }

    /// <summary>Commits without naming a grant: the check reads each content row.</summary>
    public async Task<CommitStatus> CommitAndWaitAsync(params FileChange[] changes)
    {
        var commit = await Api.CommitAsync(new CommitRequest(changes));
        return await WaitAsync(commit.CommitId);
    }

    public async Task<CommitStatus> WaitAsync(string commitId)
    {
        CommitStatus? status = null;
        await Eventually.HoldsAsync(async () => (status = await Api.CommitStatusAsync(commitId)).State == CommitStates.Cataloged,
            $"commit {commitId} is cataloged");
        return status!;
    }

    public async Task<AccountEntity> AccountAsync() =>
        await backend.App.Services.GetRequiredService<AccountStore>().GetAccountAsync(AccountId);

    public Task<List<CatalogItem>> ListAsync(string folder, DateTimeOffset? asOf = null, bool includeDeleted = false) =>
        backend.App.Services.GetRequiredService<CatalogWalk>().AllAsync(new CatalogWalkScope(
            AccountId, DeviceId, folder, asOf ?? DateTimeOffset.UtcNow.AddMinutes(1), Recursive: false, IncludeFolders: true, includeDeleted));

    public void Dispose() => Api.Dispose();
}

using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using Backazon.Backend.Configuration;
using Microsoft.Extensions.Options;

namespace Backazon.Backend.Storage;

/// <summary>
/// Signs URLs for exactly one blob, with the fewest permissions and a short life, backdated a
/// little for clock skew. With an account key (Azurite, development) they are account-key SAS;
/// with a managed identity (Azure, where shared keys are off) they are user delegation SAS,
/// signed with a delegation key that is fetched once and reused until it nears its end.
/// </summary>
/// <remarks>
/// Azure gives a delegation key at most seven days of life, and a link signed with it dies with
/// it whatever its own expiry says. So keys are asked for with all seven days, a key is reused
/// while it covers a link's life or nearly (all but a seventh of it), and a link is never
/// signed to outlive its key: it is cut to the key's end, and says so in its expiry. A page of
/// a thousand links costs one key request, and a week of them about one a day.
/// </remarks>
public sealed class SasIssuer(StorageClients storage, IOptions<SasOptions> options, TimeProvider clock)
{
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DelegationKeyLifetime = TimeSpan.FromDays(7) - ClockSkew;

    private readonly SemaphoreSlim _keyLock = new(1, 1);
    private UserDelegationKey? _key;

    /// <summary>
    /// For content sent in one request (up to <see cref="Contracts.BackupLimits.SinglePutMaxBytes"/>):
    /// create only, which cannot overwrite a blob that exists. Larger content is sent in blocks,
    /// which need write; the backend checks a snapshot of such a blob (and chunked content's SAS
    /// names a staging blob, never the content). Never read, list or delete.
    /// </summary>
    public Task<SignedUrl> UploadUrlAsync(BlobClient blob, long size, CancellationToken cancellationToken = default) =>
        SignAsync(blob,
            size <= Contracts.BackupLimits.SinglePutMaxBytes ? BlobSasPermissions.Create : BlobSasPermissions.Create | BlobSasPermissions.Write,
            TimeSpan.FromMinutes(options.Value.UploadMinutes), null, cancellationToken);

    /// <summary>Read only, downloading under <paramref name="fileName"/>.</summary>
    public Task<SignedUrl> DownloadUrlAsync(BlobClient blob, string fileName, TimeSpan? lifetime = null, CancellationToken cancellationToken = default) =>
        SignAsync(blob, BlobSasPermissions.Read, lifetime ?? TimeSpan.FromHours(options.Value.DownloadHours), ContentDisposition(fileName), cancellationToken);

    /// <summary>Read only, for a few minutes: the source of the backend's own Put Block From URL
    /// (storage reads it; the URL never leaves the backend).</summary>
    public Task<SignedUrl> CopySourceUrlAsync(BlobClient blob, CancellationToken cancellationToken = default) =>
        SignAsync(blob, BlobSasPermissions.Read, TimeSpan.FromMinutes(30), null, cancellationToken);

    private async Task<SignedUrl> SignAsync(
        BlobClient blob, BlobSasPermissions permissions, TimeSpan lifetime, string? contentDisposition, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var snapshot = new BlobUriBuilder(blob.Uri).Snapshot;
        var builder = new BlobSasBuilder(permissions, now + lifetime)
        {
            BlobContainerName = blob.BlobContainerName,
            BlobName = blob.Name,
            // A snapshot (checked content sent in blocks) is signed as itself: read only, and
            // nothing else of the blob.
            Resource = string.IsNullOrEmpty(snapshot) ? "b" : "bs",
            Snapshot = string.IsNullOrEmpty(snapshot) ? null : snapshot,
            StartsOn = now - ClockSkew,
            Protocol = blob.Uri.Scheme == Uri.UriSchemeHttps ? SasProtocol.Https : SasProtocol.HttpsAndHttp,
            ContentDisposition = contentDisposition,
        };

        if (!storage.UsesIdentity)
        {
            return new SignedUrl(blob.GenerateSasUri(builder), builder.ExpiresOn);
        }

        var key = await DelegationKeyAsync(now, lifetime, cancellationToken);
        if (builder.ExpiresOn > key.SignedExpiresOn)
        {
            builder.ExpiresOn = key.SignedExpiresOn;
        }

        var uri = new BlobUriBuilder(blob.Uri) { Sas = builder.ToSasQueryParameters(key, storage.Blobs.AccountName) }.ToUri();
        return new SignedUrl(uri, builder.ExpiresOn);
    }

    private async Task<UserDelegationKey> DelegationKeyAsync(DateTimeOffset now, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var mustCover = now + lifetime - lifetime / 7;
        if (Volatile.Read(ref _key) is { } current && current.SignedExpiresOn >= mustCover)
        {
            return current;
        }

        await _keyLock.WaitAsync(cancellationToken);
        try
        {
            if (_key is null || _key.SignedExpiresOn < mustCover)
            {
                var request = new BlobGetUserDelegationKeyOptions(now + DelegationKeyLifetime) { StartsOn = now - ClockSkew };
                _key = (await storage.Blobs.GetUserDelegationKeyAsync(request, cancellationToken)).Value;
            }

            return _key;
        }
        finally
        {
            _keyLock.Release();
        }
    }

    /// <summary>attachment; filename="ascii fallback"; filename*=UTF-8''exact (RFC 6266).</summary>
    public static string ContentDisposition(string fileName)
    {
        var ascii = new string(fileName.Select(c => c is >= ' ' and < (char)127 and not '"' and not '\\' ? c : '_').ToArray());
        return $"attachment; filename=\"{ascii}\"; filename*=UTF-8''{Uri.EscapeDataString(fileName)}";
    }
}

public sealed record SignedUrl(Uri Url, DateTimeOffset ExpiresAt);

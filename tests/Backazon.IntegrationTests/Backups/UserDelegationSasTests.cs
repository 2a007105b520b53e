using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Backazon.Backend.Configuration;
using Backazon.Backend.Storage;
using Backazon.LocalHost.Azurite;
using Microsoft.Extensions.Options;

namespace Backazon.IntegrationTests.Backups;

/// <summary>
/// The production SAS path: no account key, a (test) Entra token, and user delegation SAS, against
/// an Azurite started with HTTPS and OAuth.
/// </summary>
public sealed class UserDelegationSasTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("backazon-oauth-").FullName;
    private AzuriteProcess _azurite = null!;
    private StorageClients _storage = null!;
    private BlobClientOptions _options = null!;
    private readonly KeyRequestCounter _keyRequests = new();

    public async Task InitializeAsync()
    {
        var (certificate, key) = SelfSignedCertificate.WritePem(_folder);
        _azurite = await AzuriteProcess.StartAsync(new AzuriteOptions(CertificatePath: certificate, KeyPath: key));
        _options = new BlobClientOptions { Transport = new HttpClientTransport(TrustingHandler()) };
        _options.AddPolicy(_keyRequests, HttpPipelinePosition.PerCall);
        var credential = new UnsignedTestTokenCredential();
        _storage = new StorageClients(
            new BlobServiceClient(_azurite.BlobEndpoint, credential, _options),
            new QueueServiceClient(_azurite.QueueEndpoint, credential),
            new TableServiceClient(_azurite.TableEndpoint, credential));
        await _storage.Blobs.GetBlobContainerClient("content").CreateIfNotExistsAsync();
    }

    [Fact]
    public async Task UploadUrl_IsUserDelegationSas_WritesButCannotRead()
    {
        Assert.True(_storage.UsesIdentity);
        var issuer = new SasIssuer(_storage, Options.Create(new SasOptions()), TimeProvider.System);
        var target = _storage.Blobs.GetBlobContainerClient("content").GetBlobClient("acct/" + new string('a', 64));

        var url = await issuer.UploadUrlAsync(target, size: 16 * 1024 * 1024); // sent in blocks: create and write

        Assert.Contains("skoid=", url.Url.Query);   // signed with a delegation key, not an account key
        Assert.Contains("sp=cw", url.Url.Query);
        Assert.Contains("spr=https", url.Url.Query);
        var device = new BlobClient(url.Url, _options);
        await device.UploadAsync(BinaryData.FromString("sent by a device"));
        var refused = await Assert.ThrowsAsync<RequestFailedException>(() => device.DownloadContentAsync());
        Assert.Equal((int)HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal("sent by a device", (await target.DownloadContentAsync()).Value.Content.ToString());
    }

    [Fact]
    public async Task DownloadUrl_IsUserDelegationSas_ReadsUnderItsNameButCannotWrite()
    {
        var issuer = new SasIssuer(_storage, Options.Create(new SasOptions()), TimeProvider.System);
        var target = _storage.Blobs.GetBlobContainerClient("content").GetBlobClient("acct/abc");
        await target.UploadAsync(BinaryData.FromString("restored"), overwrite: true);

        var url = await issuer.DownloadUrlAsync(target, "Résumé.txt");

        var reader = new BlobClient(url.Url, _options);
        var download = await reader.DownloadContentAsync();
        Assert.Equal("restored", download.Value.Content.ToString());
        Assert.Contains("filename*=UTF-8''R%C3%A9sum%C3%A9.txt", download.Value.Details.ContentDisposition);
        var refused = await Assert.ThrowsAsync<RequestFailedException>(() => reader.UploadAsync(BinaryData.FromString("x"), overwrite: true));
        Assert.Equal((int)HttpStatusCode.Forbidden, refused.Status);
    }

    [Fact]
    public async Task DownloadUrls_AThousandForAWeek_CostOneKeyRequest_AndNoneOutlivesItsKey()
    {
        var issuer = new SasIssuer(_storage, Options.Create(new SasOptions()), TimeProvider.System);
        var target = _storage.Blobs.GetBlobContainerClient("content").GetBlobClient("acct/week");
        await target.UploadAsync(BinaryData.FromString("kept a week"), overwrite: true);
        _keyRequests.Count = 0;

        var urls = new List<SignedUrl>();
        for (var i = 0; i < 1000; i++)
        {
            urls.Add(await issuer.DownloadUrlAsync(target, $"file-{i}.txt", TimeSpan.FromDays(7)));
        }

        Assert.Equal(1, _keyRequests.Count);
        foreach (var url in urls)
        {
            var query = System.Web.HttpUtility.ParseQueryString(url.Url.Query);
            var linkEnds = DateTimeOffset.Parse(query["se"]!, System.Globalization.CultureInfo.InvariantCulture);
            var keyEnds = DateTimeOffset.Parse(query["ske"]!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(linkEnds <= keyEnds, $"a link ending {linkEnds:O} was signed with a key ending {keyEnds:O}");
            Assert.Equal(linkEnds, url.ExpiresAt); // the expiry said is the real one
            Assert.True(linkEnds > DateTimeOffset.UtcNow.AddDays(6), "a week's link lasts nearly a week");
        }

        Assert.Equal("kept a week", (await new BlobClient(urls[^1].Url, _options).DownloadContentAsync()).Value.Content.ToString());
    }

    public async Task DisposeAsync()
    {
        await _azurite.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Counts Get User Delegation Key requests.</summary>
    private sealed class KeyRequestCounter : HttpPipelineSynchronousPolicy
    {
        public int Count;

        public override void OnSendingRequest(HttpMessage message)
        {
            if (message.Request.Uri.Query.Contains("comp=userdelegationkey", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref Count);
            }
        }
    }

    // The test certificate is made for this run only; nothing else trusts it.
    private static HttpClientHandler TrustingHandler() => new() { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };

    /// <summary>An Entra-shaped token that Azurite's OAuth "basic" mode accepts (it checks the
    /// claims, not the signature). Stands in for the managed identity.</summary>
    private sealed class UnsignedTestTokenCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            var now = DateTimeOffset.UtcNow;
            string Part(object value) => Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(value)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            var tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
            var token = string.Join('.',
                Part(new { alg = "RS256", typ = "JWT" }),
                Part(new
                {
                    aud = "https://storage.azure.com",
                    iss = $"https://sts.windows.net/{tenant}/",
                    iat = now.AddMinutes(-5).ToUnixTimeSeconds(),
                    nbf = now.AddMinutes(-5).ToUnixTimeSeconds(),
                    exp = now.AddHours(1).ToUnixTimeSeconds(),
                    oid = "11059fcc-5514-4800-b5f8-49808b9cfab6",
                    tid = tenant,
                }),
                "c2lnbmF0dXJl");
            return new AccessToken(token, now.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}

/// <summary>A throwaway TLS certificate for 127.0.0.1, written as PEM for Azurite.</summary>
public static class SelfSignedCertificate
{
    public static (string Certificate, string Key) WritePem(string folder)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certificatePath = Path.Combine(folder, "cert.pem");
        var keyPath = Path.Combine(folder, "key.pem");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, rsa.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }
}

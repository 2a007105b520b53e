using Azure.Storage.Blobs.Models;
using Backazon.Backend.Storage;
using Backazon.LocalHost.LocalIssuer;
using Microsoft.AspNetCore.Hosting.Server;

namespace Backazon.LocalHost.Azurite;

/// <summary>
/// The web page downloads straight from storage through signed links, so the blob service must
/// let the page's origin GET and HEAD (Bicep sets the same rule on the data account in Azure).
/// Once the server listens (its port may be chosen by the system), this adds that rule to local
/// storage, keeping the rules already there: several local backends may share one Azurite.
/// </summary>
public sealed class AzuriteCorsRule(StorageClients storage, IServer server, ILogger<AzuriteCorsRule> logger) : IHostedLifecycleService
{
    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        // Only emulated storage on this machine: a real account's CORS is the template's business.
        if (!storage.Blobs.Uri.IsLoopback)
        {
            return;
        }

        var properties = (await storage.Blobs.GetPropertiesAsync(cancellationToken)).Value;
        var rules = properties.Cors?.ToList() ?? [];
        var origins = LocalIssuerRegistration.Addresses(server).Where(o => !rules.Any(r => r.AllowedOrigins == o)).ToList();
        if (origins.Count == 0)
        {
            return;
        }

        rules.AddRange(origins.Select(origin => new BlobCorsRule
        {
            AllowedOrigins = origin,
            AllowedMethods = "GET,HEAD",
            AllowedHeaders = "range",
            ExposedHeaders = "content-length,content-disposition,etag",
            MaxAgeInSeconds = 3600,
        }));
        // The properties as read, with the rules added: Azurite refuses a request that leaves the rest out.
        properties.Cors = rules;
        await storage.Blobs.SetPropertiesAsync(properties, cancellationToken);
        logger.LogInformation("Local storage lets {Origins} read blobs (CORS GET, HEAD).", string.Join(", ", origins));
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

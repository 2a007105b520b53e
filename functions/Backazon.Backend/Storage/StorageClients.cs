using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Backazon.Backend.Configuration;
using Microsoft.Extensions.Configuration;

namespace Backazon.Backend.Storage;

/// <summary>
/// The three data-storage service clients, made once from the "DataStorage" setting: a
/// connection string (Azurite, development) or service URIs reached with a managed identity
/// (Azure). This is the only place that knows which; nothing else in the backend does.
/// </summary>
public sealed class StorageClients
{
    public StorageClients(BlobServiceClient blobs, QueueServiceClient queues, TableServiceClient tables)
    {
        Blobs = blobs;
        Queues = queues;
        Tables = tables;
    }

    public BlobServiceClient Blobs { get; }
    public QueueServiceClient Queues { get; }
    public TableServiceClient Tables { get; }

    /// <summary>True when SAS must be user delegation SAS (no account key in hand).</summary>
    public bool UsesIdentity => !Blobs.CanGenerateAccountSasUri;

    /// <param name="policies">Extra pipeline policies for every client (tests count or fail
    /// storage calls with them; the app registers none).</param>
    public static StorageClients FromConfiguration(IConfiguration configuration, IEnumerable<HttpPipelinePolicy>? policies = null)
    {
        var connectionString = configuration[AppSettings.DataStorage];
        // The Functions host's queue trigger decodes Base64 by default; send what it expects.
        var queueOptions = With(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }, policies);
        var blobOptions = With(new BlobClientOptions(), policies);
        var tableOptions = With(new TableClientOptions(), policies);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new StorageClients(
                new BlobServiceClient(connectionString, blobOptions),
                new QueueServiceClient(connectionString, queueOptions),
                new TableServiceClient(connectionString, tableOptions));
        }

        var section = configuration.GetSection(AppSettings.DataStorage);
        var blobUri = section["blobServiceUri"];
        var queueUri = section["queueServiceUri"];
        var tableUri = section["tableServiceUri"];
        if (string.IsNullOrWhiteSpace(blobUri) || string.IsNullOrWhiteSpace(queueUri) || string.IsNullOrWhiteSpace(tableUri))
        {
            throw new InvalidOperationException(
                $"Data storage is not configured: set '{AppSettings.DataStorage}' to a connection string, or " +
                $"'{AppSettings.DataStorageBlobServiceUri}', '{AppSettings.DataStorageQueueServiceUri}' and '{AppSettings.DataStorageTableServiceUri}'.");
        }

        var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = section["clientId"],
        });
        return new StorageClients(
            new BlobServiceClient(new Uri(blobUri), credential, blobOptions),
            new QueueServiceClient(new Uri(queueUri), credential, queueOptions),
            new TableServiceClient(new Uri(tableUri), credential, tableOptions));
    }

    private static T With<T>(T options, IEnumerable<HttpPipelinePolicy>? policies)
        where T : ClientOptions
    {
        foreach (var policy in policies ?? [])
        {
            // Per call, outside the SDK's own retries: a fault a test injects reaches our code.
            options.AddPolicy(policy, HttpPipelinePosition.PerCall);
        }

        return options;
    }
}

using Azure;
using Backazon.Backend.Configuration;
using Microsoft.Extensions.Hosting;

namespace Backazon.Backend.Storage;

/// <summary>Creates the containers, queues and tables the backend uses, when missing, at start.</summary>
public sealed class StorageInitializer(StorageClients clients) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var container in StorageNames.Containers)
        {
            await clients.Blobs.GetBlobContainerClient(container).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }

        foreach (var queue in StorageNames.Queues)
        {
            await clients.Queues.GetQueueClient(queue).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }

        foreach (var table in StorageNames.Tables)
        {
            try
            {
                await clients.Tables.CreateTableIfNotExistsAsync(table, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                // Another instance created it between our check and our create.
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

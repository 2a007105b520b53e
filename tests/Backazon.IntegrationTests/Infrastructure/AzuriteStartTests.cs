using Backazon.LocalHost.Azurite;

namespace Backazon.IntegrationTests.Infrastructure;

/// <summary>Azurite binds ports the operating system picks and says which: two started at the
/// same moment never race for one (a port chosen first and bound later could be taken in
/// between, as a test run once found with EADDRINUSE).</summary>
public sealed class AzuriteStartTests
{
    [Fact]
    public async Task TwoStartedAtOnce_EachListensOnPortsOfItsOwn_AndAnswers()
    {
        var starting = Enumerable.Range(0, 2).Select(_ => AzuriteProcess.StartAsync(new AzuriteOptions())).ToList();
        var both = await Task.WhenAll(starting);
        try
        {
            var ports = both.SelectMany(a => new[] { a.BlobEndpoint.Port, a.QueueEndpoint.Port, a.TableEndpoint.Port }).ToList();
            Assert.Equal(6, ports.Distinct().Count());
            Assert.DoesNotContain(0, ports);
            foreach (var azurite in both)
            {
                await new Azure.Storage.Blobs.BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("answers").CreateAsync();
                await new Azure.Storage.Queues.QueueServiceClient(azurite.ConnectionString).GetQueueClient("answers").CreateAsync();
                await new Azure.Data.Tables.TableServiceClient(azurite.ConnectionString).GetTableClient("answers").CreateAsync();
            }
        }
        finally
        {
            foreach (var azurite in both)
            {
                await azurite.DisposeAsync();
            }
        }
    }
}

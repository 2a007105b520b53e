using System.Text;
using Azure.Storage.Blobs;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;

namespace Backazon.IntegrationTests.Backups;

/// <summary>
/// The account row is written by every grant and every check of every device of the account;
/// with many devices backing up at once none of their requests may fail or starve (the test's
/// clients do not retry: the backend's own bounded, jittered retries must absorb the races), and
/// the counters must come out exact.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class AccountContentionTests(BackendFixture backend)
{
    private const int Devices = 8;
    private const int Rounds = 2;
    private const int FilesPerRound = 150;

    [Fact]
    public async Task EightDevicesOfOneAccountAtOnce_EveryRequestSucceeds_CountersExact()
    {
        var account = await backend.CreateAccountAsync("family");
        var devices = new List<TestDevice>();
        for (var i = 0; i < Devices; i++)
        {
            devices.Add(await TestDevice.EnrollAsync(backend, account.Id));
        }

        try
        {
            await Task.WhenAll(devices.Select((device, d) => Task.Run(() => BackUpAsync(device, d))));

            var expectedBytes = Enumerable.Range(0, Devices).Sum(d => Enumerable.Range(0, Rounds).Sum(r =>
                Enumerable.Range(0, FilesPerRound).Sum(f => (long)Content(d, r, f).Length)));
            var row = await devices[0].AccountAsync();
            Assert.Equal(expectedBytes, row.UsedBytes);
            Assert.Equal(0, row.ReservedBytes);
            foreach (var device in devices)
            {
                Assert.Equal(Rounds * FilesPerRound, (await device.ListAsync("")).Count);
            }
        }
        finally
        {
            devices.ForEach(d => d.Dispose());
        }
    }

    /// <summary>Each round: one grant request, the uploads, one commit, waited for.</summary>
    private static async Task BackUpAsync(TestDevice device, int d)
    {
        for (var r = 0; r < Rounds; r++)
        {
            var files = Enumerable.Range(0, FilesPerRound).Select(f => ($"d{d}-r{r}-{f:D3}.txt", Content(d, r, f))).ToArray();
            var grants = await device.Api.RequestGrantsAsync(new UploadGrantRequest(
                files.Select(f => new GrantFile(f.Item1, f.Item2.Length, TestDevice.Sha256(f.Item2))).ToList()));
            Assert.All(grants.Files, g => Assert.Equal(GrantOutcomes.Upload, g.Outcome));
            await Parallel.ForEachAsync(grants.Files.Zip(files), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (pair, ct) =>
                await new BlobClient(new Uri(pair.First.UploadUrl!)).UploadAsync(BinaryData.FromBytes(pair.Second.Item2), ct));
            var status = await device.CommitAndWaitAsync(files.Select(f => TestDevice.File(f.Item1, f.Item2)).ToArray());
            Assert.Empty(status.Rejected);
            Assert.Equal(FilesPerRound, status.Cataloged);
        }
    }

    /// <summary>Distinct content for every file of every device and round.</summary>
    private static byte[] Content(int device, int round, int file) =>
        Encoding.UTF8.GetBytes($"device {device}, round {round}, file {file}: " + new string('x', file % 40));
}

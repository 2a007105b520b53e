using Backazon.Backend.Accounts;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Scanning;
using Microsoft.Extensions.DependencyInjection;

namespace Backazon.IntegrationTests.Engine;

/// <summary>
/// Files that change behind the uploader's back — between its hash and its upload, during a
/// kill, or with their old size and modification time put back — are always backed up as they
/// are, and never count against an honest device as wrong bytes.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class ChangedFileTests(BackendFixture backend) : IAsyncLifetime
{
    private const int SixMiB = 6 * 1024 * 1024;

    private readonly string _tree = Directory.CreateTempSubdirectory("backazon-changed-").FullName;
    private CliHarness _machine = null!;

    public async Task InitializeAsync() => _machine = await CliHarness.EnrollAsync(backend);

    public Task DisposeAsync()
    {
        _machine.Dispose();
        Directory.Delete(_tree, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Backup_FileRewrittenDuringItsUploadTenTimes_IsNeverCountedAsRejected_AndIsSentCleanlyAfter()
    {
        var path = Path.Combine(_tree, "mail.pst");
        var bytes = Random(SixMiB);
        await File.WriteAllBytesAsync(path, bytes);

        for (var edit = 0; edit < 10; edit++)
        {
            // Once the grant is asked for (the hash is taken), the file gets other bytes of the
            // same size, its modification time put back: what a mail client or a database does.
            var armed = true;
            _machine.Requests.Before = _ =>
            {
                if (armed && IsGrantRequest(_))
                {
                    armed = false;
                    bytes = Random(SixMiB);
                    RewriteKeepingSizeAndTime(path, bytes);
                }

                return Task.CompletedTask;
            };
            var (code, _, _) = await _machine.RunAsync("backup", _tree);
            Assert.Equal(Backazon.Uploader.Cli.ExitCodes.Failure, code); // nothing could be taken: a failure, not a run that mostly worked
        }

        _machine.Requests.Before = null;
        var (last, output, error) = await _machine.RunAsync("backup", _tree);

        Assert.True(last == 0, output + error);
        await CatalogAssert.ExactlyAsync(_machine.Api, _tree, new Dictionary<string, byte[]> { [path] = bytes });
        Assert.Equal(0, (await DeviceAsync()).RejectedUploads);
    }

    [Fact]
    public async Task Backup_FileRewrittenWithItsOldTimeAndSize_IsBackedUpAgain()
    {
        var small = Path.Combine(_tree, "notes.txt");
        var big = Path.Combine(_tree, "vault.img");
        await File.WriteAllBytesAsync(small, "first words"u8.ToArray());
        await File.WriteAllBytesAsync(big, Random(SixMiB));
        Assert.Equal(0, (await _machine.RunAsync("backup", _tree)).Code);

        var newSmall = "other words"u8.ToArray();
        var newBig = Random(SixMiB);
        RewriteKeepingSizeAndTime(small, newSmall);
        RewriteKeepingSizeAndTime(big, newBig);
        var (code, output, error) = await _machine.RunAsync("backup", _tree);

        Assert.True(code == 0, output + error);
        await CatalogAssert.ExactlyAsync(_machine.Api, _tree, new Dictionary<string, byte[]> { [small] = newSmall, [big] = newBig });
    }

    [Fact]
    public async Task Backup_KilledBetweenHashAndCommit_ThenRewrittenWithItsOldTime_IsSentUnderItsNewHash()
    {
        var path = Path.Combine(_tree, "ledger.db");
        await File.WriteAllBytesAsync(path, Random(SixMiB));
        var rewritten = Random(SixMiB);

        // The run stops for good right after the hash was kept (a power cut), and the file is
        // rewritten before the next run, with its size and time as they were.
        _machine.Requests.Before = request =>
        {
            if (IsGrantRequest(request))
            {
                _machine.Requests.Before = null;
                RewriteKeepingSizeAndTime(path, rewritten);
                throw new PowerCutException();
            }

            return Task.CompletedTask;
        };
        await _machine.RunAsync("backup", _tree);
        var (code, output, error) = await _machine.RunAsync("backup", _tree);

        Assert.True(code == 0, output + error);
        await CatalogAssert.ExactlyAsync(_machine.Api, _tree, new Dictionary<string, byte[]> { [path] = rewritten });
        Assert.Equal(0, (await DeviceAsync()).RejectedUploads);
    }

    private static bool IsGrantRequest(HttpRequestMessage request) =>
        request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/uploads/grants", StringComparison.Ordinal);

    /// <summary>Writes other bytes in place and puts the old modification time back, as far as
    /// the file's change time is concerned a real change: the kernel's coarse clock may not have
    /// ticked since the last write, so the write is repeated until it has (no fixed wait).</summary>
    private static void RewriteKeepingSizeAndTime(string path, byte[] bytes)
    {
        var before = UnixStat.StampOf(path) ?? throw new InvalidOperationException("this test needs Linux's statx");
        var modified = File.GetLastWriteTimeUtc(path);
        for (var attempt = 0; attempt < 10_000; attempt++)
        {
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
            {
                stream.Write(bytes);
            }

            File.SetLastWriteTimeUtc(path, modified);
            if (UnixStat.StampOf(path) != before)
            {
                return;
            }
        }

        throw new InvalidOperationException("the change time never moved");
    }

    private async Task<DeviceEntity> DeviceAsync() =>
        (await backend.App.Services.GetRequiredService<AccountStore>().FindDeviceAsync(_machine.Device.AccountId, _machine.Device.DeviceId))!;

    private static byte[] Random(int length)
    {
        var bytes = new byte[length];
        System.Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private sealed class PowerCutException() : Exception("power cut");
}

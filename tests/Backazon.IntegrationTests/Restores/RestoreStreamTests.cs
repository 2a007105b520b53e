using System.Security.Cryptography;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Backazon.Backend.Restores;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.Uploader.Api;
using Backazon.Uploader.Restoring;
using Backazon.Uploader.Scanning;
using Microsoft.Extensions.DependencyInjection;

namespace Backazon.IntegrationTests.Restores;

/// <summary>
/// A restore is one stream of downloads over all its pages: a big file holds one download, never
/// the files of the pages after it. Pages of 100 here, so 1,000 files take ten of them.
/// </summary>
public sealed class RestoreStreamTests : IClassFixture<CountedBackendFixture>, IDisposable
{
    private const int PageSize = 100;
    private const int SmallFiles = 999;
    private readonly CountedBackendFixture _backend;
    private readonly string _tree = Directory.CreateTempSubdirectory("backazon-stream-tree-").FullName;
    private readonly string _target = Directory.CreateTempSubdirectory("backazon-stream-restore-").FullName;

    public RestoreStreamTests(CountedBackendFixture backend)
    {
        // A backend of this class's own, so its small pages change nothing elsewhere.
        _backend = backend;
        backend.App.Services.GetRequiredService<RestoreService>().PageSize = PageSize;
    }

    [Fact]
    public async Task Restore_WhileTheBigFileOfTheFirstPageStillDownloads_Finishes999SmallFilesOfEveryPage()
    {
        // The big file is in the tree's top folder, so it is on the first page (a folder's files
        // come before its subfolders); the small files fill that page and nine more.
        var big = RandomNumberGenerator.GetBytes(6 * 1024 * 1024);
        await File.WriteAllBytesAsync(Path.Combine(_tree, "a-big.bin"), big);
        var small = new Dictionary<string, byte[]>();
        for (var i = 0; i < SmallFiles; i++)
        {
            var relative = Path.Combine($"f{i % 9}", $"s{i:D3}.txt");
            small[relative] = RandomNumberGenerator.GetBytes(100 + i);
            Directory.CreateDirectory(Path.Combine(_tree, $"f{i % 9}"));
            await File.WriteAllBytesAsync(Path.Combine(_tree, relative), small[relative]);
        }

        using var machine = await CliHarness.EnrollAsync(_backend);
        var backup = await machine.RunAsync("backup", _tree);
        Assert.True(backup.Code == 0, backup.Out + backup.Error);

        // The big file's download is held once its answer starts, until the test lets it go.
        var held = new HeldDownloads(minBytes: big.Length);
        var storage = new BlobClientOptions();
        storage.AddPolicy(held, HttpPipelinePosition.PerCall);
        var progress = new Tally();
        using var api = new BackazonClient(_backend.BaseAddress, machine.Device.Token, retry: false);
        var restore = new RestoreRunner(api, progress, storage)
            .RunAsync([CatalogPath.FromLocal(_tree)], new RestoreOptions(_target, Overwrite: false, null, null));
        var restored = Path.Combine(_target, Path.GetFileName(_tree));

        await held.Started.WaitAsync(TimeSpan.FromSeconds(60));
        await Eventually.HoldsAsync(() => progress.Restored == SmallFiles, $"the {SmallFiles} small files are restored while the big one downloads", 120);
        Assert.False(restore.IsCompleted);
        Assert.False(File.Exists(Path.Combine(restored, "a-big.bin")));
        Assert.True(progress.Pages >= 10, $"{progress.Pages} pages");

        held.Release();
        var summary = await restore;

        Assert.True(summary.Complete);
        Assert.Equal(SmallFiles + 1, summary.Count(RestoreOutcome.Restored));
        Assert.Equal(big, await File.ReadAllBytesAsync(Path.Combine(restored, "a-big.bin")));
        Assert.All(small, file => Assert.Equal(file.Value, File.ReadAllBytes(Path.Combine(restored, file.Key))));
    }

    public void Dispose()
    {
        Directory.Delete(_tree, recursive: true);
        Directory.Delete(_target, recursive: true);
    }

    /// <summary>Holds every download of at least <c>minBytes</c> once its answer has started
    /// (status and headers in, the body not yet read) until <see cref="Release"/>.</summary>
    private sealed class HeldDownloads(long minBytes) : HttpPipelinePolicy
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Started => _started.Task;

        public void Release() => _released.TrySetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            if (message.Request.Method == RequestMethod.Get && message.Response.Headers.ContentLength >= minBytes)
            {
                _started.TrySetResult();
                await _released.Task;
            }
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The restore downloads asynchronously.");
    }

    private sealed class Tally : IRestoreProgress
    {
        private int _pages, _restored;

        public int Pages => Volatile.Read(ref _pages);
        public int Restored => Volatile.Read(ref _restored);

        public void Planned(int files, long bytes) => Interlocked.Increment(ref _pages);
        public void Received(long bytes) { }

        public void Done(string path, RestoreOutcome outcome, string? detail)
        {
            if (outcome == RestoreOutcome.Restored)
            {
                Interlocked.Increment(ref _restored);
            }
        }

        public void Finished(RestoreSummary summary) { }
    }
}

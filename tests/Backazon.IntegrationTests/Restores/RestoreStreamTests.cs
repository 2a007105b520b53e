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
public sealed class RestoreStreamTests : IClassFixture<RestoreStreamTests.GatedBackendFixture>, IDisposable
{
    private const int PageSize = 100;
    private const int SmallFiles = 999;
    private readonly GatedBackendFixture _backend;
    private readonly string _tree = Directory.CreateTempSubdirectory("backazon-stream-tree-").FullName;
    private readonly string _target = Directory.CreateTempSubdirectory("backazon-stream-restore-").FullName;

    public RestoreStreamTests(GatedBackendFixture backend)
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

    [Fact]
    public async Task ManifestPage_ReadsTheContentRowsOfItsBigFilesTogether_OnePointReadEach()
    {
        // Content sent in blocks is read from the snapshot its content row names: one point read
        // per such file, all of a page's at once (the gate lets none through until all have come).
        const int BigFiles = 5;
        for (var i = 0; i < BigFiles; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(_tree, $"big-{i}.bin"), RandomNumberGenerator.GetBytes(4 * 1024 * 1024 + 1000));
        }

        await File.WriteAllTextAsync(Path.Combine(_tree, "small.txt"), "small content has no row to read");
        using var machine = await CliHarness.EnrollAsync(_backend);
        var backup = await machine.RunAsync("backup", _tree);
        Assert.True(backup.Code == 0, backup.Out + backup.Error);

        _backend.ContentReads.Arm(together: BigFiles);
        var manifest = await machine.Api.RestoreManifestAsync(new Contracts.RestoreRequest([CatalogPath.FromLocal(_tree)], null, null, null, null));
        var (reads, waitedInVain) = _backend.ContentReads.Disarm();

        Assert.Equal(BigFiles + 1, manifest.Items.Count(i => i.DownloadUrl is not null));
        Assert.False(waitedInVain, "the content rows were read one after another");
        Assert.Equal(BigFiles, reads);
    }

    public void Dispose()
    {
        Directory.Delete(_tree, recursive: true);
        Directory.Delete(_target, recursive: true);
    }

    /// <summary>A backend of its own whose reads of content rows can be held until several are in flight.</summary>
    public sealed class GatedBackendFixture : BackendFixture
    {
        public ContentRowGate ContentReads { get; } = new();

        protected override void Configure(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder) =>
            builder.Services.AddSingleton<HttpPipelinePolicy>(ContentReads);
    }

    /// <summary>Once armed, counts the backend's point reads of content rows and holds each until
    /// <c>together</c> of them are in flight, or, if they never are, for a few seconds.</summary>
    public sealed class ContentRowGate : HttpPipelinePolicy
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);
        private TaskCompletionSource? _all;
        private int _together, _reads, _inVain;

        public void Arm(int together)
        {
            (_together, _reads, _inVain) = (together, 0, 0);
            Volatile.Write(ref _all, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        public (int Reads, bool WaitedInVain) Disarm()
        {
            var result = (Volatile.Read(ref _reads), Volatile.Read(ref _inVain) > 0);
            Volatile.Write(ref _all, null);
            return result;
        }

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (Volatile.Read(ref _all) is { } all && message.Request.Method == RequestMethod.Get
                && Uri.UnescapeDataString(message.Request.Uri.ToString()).Contains("RowKey='content:", StringComparison.Ordinal))
            {
                if (Interlocked.Increment(ref _reads) >= _together)
                {
                    all.TrySetResult();
                }

                try
                {
                    await all.Task.WaitAsync(Patience);
                }
                catch (TimeoutException)
                {
                    Interlocked.Increment(ref _inVain);
                }
            }

            await ProcessNextAsync(message, pipeline);
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();
        }
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

using System.Net;
using System.Text;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.Uploader.Agent;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Commands;
using Backazon.Uploader.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Backazon.IntegrationTests.Agent;

/// <summary>
/// The agent, in this process so the network between it and the services can be made to fail:
/// an upload URL that has expired in the middle of a large file (storage answers 403, as it does
/// when a SAS runs out), 503s from the backend and from storage, and the backend gone for a whole
/// minute from its first commit on. The agent backs off, notices the backend's return, and ends
/// with the catalog exactly like the tree.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class AgentFaultTests(BackendFixture backend, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Outage = TimeSpan.FromMinutes(1);
    private readonly string _tree = Directory.CreateTempSubdirectory("backazon-agent-faults-").FullName;
    private readonly Faults _faults = new();
    private CliHarness _machine = null!;

    public async Task InitializeAsync()
    {
        _machine = await CliHarness.EnrollAsync(backend);
        _machine.Write(BackupSettings.FileName, new BackupSettings([_tree], null));
    }

    [Fact]
    public async Task Agent_SurvivesAnExpiredUploadUrl_503s_AndTheBackendGoneForAMinute_CatalogExact()
    {
        var random = new Random(7);
        for (var i = 0; i < 300; i++)
        {
            Write(Path.Combine($"d{i % 6}", $"f{i:D3}.txt"), random.Next(10, 4000), random);
        }

        Write("large.bin", 40 * 1024 * 1024, random);
        var storage = new BlobClientOptions { Transport = new HttpClientTransport(new HttpClient(new StorageFaultHandler(_faults) { InnerHandler = new SocketsHttpHandler() })) };
        storage.Retry.Delay = TimeSpan.FromMilliseconds(100);
        var cli = new CliContext(TextWriter.Null, TextWriter.Null, new ConfigFolder(_machine.ConfigPath))
        {
            Handler = () => new ApiFaultHandler(_faults) { InnerHandler = new SocketsHttpHandler() },
            StorageOptions = storage,
        };
        var loop = new AgentLoop(cli, new AgentOptions
        {
            Interval = TimeSpan.FromHours(1),
            Tick = TimeSpan.FromMilliseconds(500),
            RetryDelay = TimeSpan.FromSeconds(2),
            MaxRetryDelay = TimeSpan.FromSeconds(20),
            ProbeInterval = TimeSpan.FromSeconds(2),
        }, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var running = loop.RunAsync(stop.Token);

        await Eventually.HoldsAsync(() => RunRecord.Read(cli.State) is { Outcome: RunRecord.Completed }, "a run completes despite the faults", 240);
        var completed = RunRecord.Read(cli.State)!;
        await stop.CancelAsync();
        await running;

        output.WriteLine($"outage {_faults.OutageStartedAt:O} for {Outage}; the run that completed ran {completed.StartedAt:O} to {completed.FinishedAt:O}; " +
            $"{_faults.Api503s} API 503s, {_faults.Storage503s} storage 503s, expired URL answered: {_faults.ExpiredAnswered}; errors: " +
            string.Join(" | ", loop.Status.LastErrors.Select(e => e.Message)));
        Assert.True(_faults.ExpiredAnswered, "no block upload met the expired URL");
        Assert.True(_faults.Api503s > 0 && _faults.Storage503s > 0, "no 503 was injected");
        Assert.NotNull(_faults.OutageStartedAt);
        // A run begun inside the outage may complete once the backend is back: a status poll that
        // fails leaves its commits to the next poll, it does not fail the run. What cannot happen
        // is a run that completes while the backend is away (its report needs the backend).
        Assert.True(completed.FinishedAt >= _faults.OutageStartedAt + Outage, "a run completed while the backend was away");
        Assert.Contains(loop.Status.LastErrors, e => e.Message.StartsWith("Cannot reach the Backazon server", StringComparison.Ordinal));
        await CatalogAssert.MatchesDiskAsync(_machine.Api, _tree);
    }

    private void Write(string relative, int size, Random random)
    {
        var path = Path.Combine(_tree, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = new byte[size];
        random.NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
    }

    public Task DisposeAsync()
    {
        _machine.Dispose();
        Directory.Delete(_tree, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>What has been injected so far; shared by every handler the agent creates.</summary>
    private sealed class Faults
    {
        private int _apiRequests, _storageRequests, _api503s, _storage503s, _expired;
        private long _outageStartedTicks;

        public int Api503s => Volatile.Read(ref _api503s);

        public int Storage503s => Volatile.Read(ref _storage503s);

        public bool ExpiredAnswered => Volatile.Read(ref _expired) > 0;

        public DateTimeOffset? OutageStartedAt => Interlocked.Read(ref _outageStartedTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

        /// <summary>Whether the backend is away now; its first commit sends it away for a minute.</summary>
        public bool BackendAway(HttpRequestMessage request)
        {
            if (request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/backups/commits", StringComparison.Ordinal))
            {
                Interlocked.CompareExchange(ref _outageStartedTicks, DateTimeOffset.UtcNow.UtcTicks, 0);
            }

            return OutageStartedAt is { } start && DateTimeOffset.UtcNow < start + Outage;
        }

        public bool NextApi503() => Interlocked.Increment(ref _apiRequests) % 5 == 0 && Interlocked.Increment(ref _api503s) > 0;

        public bool NextStorage503() => Interlocked.Increment(ref _storageRequests) % 7 == 0 && Interlocked.Increment(ref _storage503s) > 0;

        /// <summary>The first block of a large upload meets an upload URL that has run out.</summary>
        public bool Expired(HttpRequestMessage request) =>
            request.RequestUri!.Query.Contains("comp=block&", StringComparison.Ordinal) && Interlocked.Increment(ref _expired) == 1;
    }

    private sealed class ApiFaultHandler(Faults faults) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (faults.BackendAway(request))
            {
                throw new HttpRequestException("Connection refused (injected: the backend is away)");
            }

            return faults.NextApi503()
                ? Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new StringContent("injected") })
                : base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class StorageFaultHandler(Faults faults) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (faults.Expired(request))
            {
                return Task.FromResult(Error(HttpStatusCode.Forbidden, "AuthenticationFailed", "Signed expiry time has passed (injected)."));
            }

            return faults.NextStorage503()
                ? Task.FromResult(Error(HttpStatusCode.ServiceUnavailable, "ServerBusy", "The server is busy (injected)."))
                : base.SendAsync(request, cancellationToken);
        }

        private static HttpResponseMessage Error(HttpStatusCode status, string code, string message)
        {
            var response = new HttpResponseMessage(status)
            {
                Content = new StringContent($"<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>", Encoding.UTF8, "application/xml"),
            };
            response.Headers.Add("x-ms-error-code", code);
            return response;
        }
    }
}

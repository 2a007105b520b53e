using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Azure.Storage.Queues;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.LocalHost;
using Backazon.LocalHost.Functions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Backazon.IntegrationTests.Runtime;

[Collection(BackendCollection.Name)]
public sealed class LocalRuntimeTests(BackendFixture backend)
{
    [Fact]
    public async Task QueueTrigger_MessageThatFailsTwice_IsRetriedThenProcessedOnce()
    {
        var job = new TestJob(Guid.NewGuid().ToString(), FailTimes: 2);
        await backend.Storage.Queues.GetQueueClient(TestFunctions.Queue).SendMessageAsync(BinaryData.FromObjectAsJson(job, Api.Json));

        await Eventually.HoldsAsync(() => TestFunctions.Completed.Any(j => j.Id == job.Id), "the job completes after two failures");
        Assert.Equal(3, TestFunctions.Attempts[job.Id]);
        await Eventually.HoldsAsync(async () => (await backend.Storage.Queues.GetQueueClient(TestFunctions.Queue).PeekMessagesAsync(32)).Value.Length == 0,
            "the processed message is deleted");
    }

    [Fact]
    public async Task QueueTrigger_MessageThatAlwaysFails_MovesToPoisonAfterMaxDequeueCount()
    {
        var job = new TestJob(Guid.NewGuid().ToString(), FailTimes: int.MaxValue);
        var poison = backend.Storage.Queues.GetQueueClient(TestFunctions.Queue + "-poison");
        await backend.Storage.Queues.GetQueueClient(TestFunctions.Queue).SendMessageAsync(BinaryData.FromObjectAsJson(job, Api.Json));

        await Eventually.HoldsAsync(async () =>
            (await poison.PeekMessagesAsync(32)).Value.Any(m => m.Body.ToObjectFromJson<TestJob>(Api.Json)!.Id == job.Id),
            "the message lands in the poison queue");
        Assert.Equal(5, TestFunctions.Attempts[job.Id]); // host.json maxDequeueCount
        Assert.DoesNotContain(TestFunctions.Completed, j => j.Id == job.Id);
    }

    // Short enough for a test to outlast; the listener renews every third of it.
    private static readonly TimeSpan ShortLease = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task QueueTrigger_FunctionRunningLongerThanTheLease_IsInvokedOnce()
    {
        var (run, queue) = await GatedQueueAsync("long");
        var listener = await StartListenerAsync(queue, new QueueHostOptions { ProcessingLease = ShortLease });

        await Eventually.HoldsAsync(() => run.Invocations("long") == 1, "the function starts");
        var running = Stopwatch.StartNew();
        await Eventually.HoldsAsync(() => running.Elapsed > ShortLease * 2, "two leases pass while the function runs");
        Assert.Empty((await queue.PeekMessagesAsync()).Value); // still hidden: its lease was renewed

        run.Release("long");
        await Eventually.HoldsAsync(async () => (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0,
            "the message is deleted with the pop receipt of its last renewal");
        Assert.Equal(1, run.Invocations("long"));
        Assert.Equal(["long"], run.Completed);
        await listener.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task QueueTrigger_ListenerStoppedAbruptly_ItsMessageComesBackWithinTheLease()
    {
        var (run, queue) = await GatedQueueAsync("held");
        var options = new QueueHostOptions { ProcessingLease = ShortLease };
        var killed = await StartListenerAsync(queue, options);
        await Eventually.HoldsAsync(() => run.Invocations("held") == 1, "the first host starts the function");

        // A killed host: its function is cancelled mid-run, nothing settles or renews the message.
        await killed.StopAsync(CancellationToken.None);
        Assert.Empty(run.Completed);
        Assert.Equal(1, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        var next = await StartListenerAsync(queue, options);
        await Eventually.HoldsAsync(() => run.Invocations("held") == 2, "the message comes back to the next host once its lease lapses");
        run.Release("held");
        await Eventually.HoldsAsync(async () => (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0, "the next host completes it");
        Assert.Equal(["held"], run.Completed);
        await next.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task QueueTrigger_NewBatchIsFetchedWhenRunningFallsToTheThreshold()
    {
        var ids = Enumerable.Range(0, 10).Select(i => $"job-{i}").ToArray();
        var (run, queue) = await GatedQueueAsync(ids);
        var listener = await StartListenerAsync(queue, new QueueHostOptions { BatchSize = 4, NewBatchThreshold = 2 });

        await Eventually.HoldsAsync(() => run.Running.Count == 4, "the first batch runs");
        var firstBatch = run.Running.ToArray();
        run.Release(firstBatch[0]);
        run.Release(firstBatch[1]);
        // Two of the first batch still run: the next batch joins them instead of waiting.
        await Eventually.HoldsAsync(() => run.Running.Count == 6, "a new batch is fetched at the threshold");
        Assert.Contains(firstBatch[2], run.Running);
        Assert.Contains(firstBatch[3], run.Running);

        await Eventually.HoldsAsync(() =>
        {
            foreach (var id in run.Running)
            {
                run.Release(id);
            }

            return run.Completed.Count == ids.Length;
        }, "every job completes");
        Assert.Equal(6, run.MaxRunning); // batchSize + newBatchThreshold, never more
        Assert.All(ids, id => Assert.Equal(1, run.Invocations(id)));
        await listener.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void QueueHostOptions_NewBatchThreshold_FromHostJsonOrHalfTheBatchSize()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """{ "extensions": { "queues": { "batchSize": 10 } } }""");
            Assert.Equal(5, QueueHostOptions.FromHostJson(file).NewBatchThreshold);
            File.WriteAllText(file, """{ "extensions": { "queues": { "batchSize": 10, "newBatchThreshold": 3 } } }""");
            Assert.Equal(3, QueueHostOptions.FromHostJson(file).NewBatchThreshold);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task TimerTrigger_RunsOnItsScheduleFromSettings()
    {
        var before = Volatile.Read(ref TestFunctions.TimerRuns);
        await Eventually.HoldsAsync(() => Volatile.Read(ref TestFunctions.TimerRuns) >= before + 2, "the every-second timer fires twice");
    }

    [Fact]
    public async Task HttpRoutes_ComeFromTriggerAttributes_UnderApiPrefix()
    {
        using var client = new HttpClient { BaseAddress = backend.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/health")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await client.DeleteAsync("/api/health")).StatusCode);
    }

    [Fact]
    public async Task LocalBackend_WithoutStorageSetting_StartsAzuriteAndKeepsDataAcrossRestart()
    {
        var data = Directory.CreateTempSubdirectory("backazon-restart-").FullName;
        try
        {
            string accountId;
            await using (var first = await StartAsync(data))
            {
                var key = await File.ReadAllTextAsync(OperatorKeyFile.PathIn(data));
                using var client = Client(first, key);
                var response = await client.PostAsJsonAsync("admin/accounts", new CreateAccountRequest("Persistent", "trial"), Api.Json);
                accountId = (await response.Content.ReadFromJsonAsync<AccountView>(Api.Json))!.Id;
                await first.StopAsync();
            }

            await using var second = await StartAsync(data);
            using var again = Client(second, await File.ReadAllTextAsync(OperatorKeyFile.PathIn(data)));
            var shown = await again.GetFromJsonAsync<AccountView>($"admin/accounts/{accountId}", Api.Json);
            Assert.Equal("Persistent", shown!.Name);
            await second.StopAsync();
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>A fresh queue holding one gated job per id (sent before any listener starts, so
    /// the first receive sees them all), and the run that records what the function did.</summary>
    private async Task<(GatedRun Run, QueueClient Queue)> GatedQueueAsync(params string[] ids)
    {
        var name = "gated-" + Guid.NewGuid().ToString("N")[..12];
        var queue = backend.Storage.Queues.GetQueueClient(name);
        await queue.CreateAsync();
        foreach (var id in ids)
        {
            await queue.SendMessageAsync(BinaryData.FromObjectAsJson(new GatedJob(name, id), Api.Json));
        }

        return (GatedRun.Named(name), queue);
    }

    /// <summary>A listener of the gated function on this queue with these options, as the local
    /// backend would host it.</summary>
    private async Task<QueueFunctionListener> StartListenerAsync(QueueClient queue, QueueHostOptions options)
    {
        IConfiguration settings = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [GatedTestFunctions.QueueSetting] = queue.Name })
            .Build();
        var listener = ActivatorUtilities.CreateInstance<QueueFunctionListener>(backend.App.Services, GatedTestFunctions.Descriptor, options, settings);
        await listener.StartAsync(CancellationToken.None);
        return listener;
    }

    private static async Task<WebApplication> StartAsync(string data)
    {
        var app = await LocalBackend.BuildAsync(["--port", "0", "--data", data]);
        await app.StartAsync();
        return app;
    }

    private static HttpClient Client(WebApplication app, string key)
    {
        var client = new HttpClient { BaseAddress = new Uri(app.BaseAddress(), "/api/") };
        client.DefaultRequestHeaders.Authorization = new("Bearer", key.Trim());
        return client;
    }
}

using System.Net;
using System.Net.Http.Json;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.LocalHost;
using Microsoft.AspNetCore.Builder;

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

using System.Collections.Concurrent;
using Microsoft.Azure.Functions.Worker;

namespace Backazon.IntegrationTests.Runtime;

/// <summary>
/// Function classes that exist only to exercise the local runtime's queue and timer hosting.
/// The fixture hosts this assembly's functions next to the real ones.
/// </summary>
public sealed class TestFunctions
{
    public const string Queue = "test-jobs";

    public static ConcurrentDictionary<string, int> Attempts { get; } = new();
    public static ConcurrentBag<TestJob> Completed { get; } = [];
    public static int TimerRuns;

    [Function(nameof(ProcessTestJob))]
    public Task ProcessTestJob([QueueTrigger(Queue, Connection = "DataStorage")] TestJob job, CancellationToken cancellationToken)
    {
        var attempt = Attempts.AddOrUpdate(job.Id, 1, (_, n) => n + 1);
        if (attempt <= job.FailTimes)
        {
            throw new InvalidOperationException($"Job {job.Id} fails on attempt {attempt}.");
        }

        Completed.Add(job);
        return Task.CompletedTask;
    }

    [Function(nameof(TestTimer))]
    public void TestTimer([TimerTrigger("%TEST_TIMER_SCHEDULE%")] TimerInfo timer) => Interlocked.Increment(ref TimerRuns);
}

public sealed record TestJob(string Id, int FailTimes);

using System.Collections.Concurrent;
using System.Reflection;
using Backazon.LocalHost.Functions;
using Microsoft.Azure.Functions.Worker;

namespace Backazon.IntegrationTests.Runtime;

/// <summary>
/// A queue function that runs until the test opens its job's gate, for tests of leases and
/// batching. Internal, so the shared fixture does not host it: each test starts its own listener
/// with its own options on its own queue (named by the <see cref="QueueSetting"/> setting).
/// </summary>
internal sealed class GatedTestFunctions
{
    public const string QueueSetting = "GATED_TEST_QUEUE";

    public static FunctionDescriptor Descriptor
    {
        get
        {
            var method = typeof(GatedTestFunctions).GetMethod(nameof(ProcessGatedJob))!;
            return new FunctionDescriptor(nameof(ProcessGatedJob), typeof(GatedTestFunctions), method,
                method.GetParameters()[0].GetCustomAttribute<QueueTriggerAttribute>()!);
        }
    }

    [Function(nameof(ProcessGatedJob))]
    public async Task ProcessGatedJob([QueueTrigger("%" + QueueSetting + "%", Connection = "DataStorage")] GatedJob job, CancellationToken cancellationToken)
    {
        var run = GatedRun.Named(job.Run);
        run.Started(job.Id);
        try
        {
            // A killed host cancels: the function ends without completing, and nothing settles it.
            await run.Gate(job.Id).Task.WaitAsync(cancellationToken);
            run.Completed.Add(job.Id);
        }
        finally
        {
            run.Ended(job.Id);
        }
    }
}

public sealed record GatedJob(string Run, string Id);

/// <summary>What one test's gated jobs did: invocations per job, how many ran at once, and the
/// gates the test opens.</summary>
public sealed class GatedRun
{
    private static readonly ConcurrentDictionary<string, GatedRun> Runs = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new();
    private readonly ConcurrentDictionary<string, int> _invocations = new();
    private readonly ConcurrentDictionary<string, bool> _running = new();
    private int _maxRunning;

    public static GatedRun Named(string name) => Runs.GetOrAdd(name, _ => new GatedRun());

    public ConcurrentBag<string> Completed { get; } = [];
    public int MaxRunning => Volatile.Read(ref _maxRunning);
    public IReadOnlyCollection<string> Running => [.. _running.Keys];

    public int Invocations(string id) => _invocations.GetValueOrDefault(id);

    public TaskCompletionSource Gate(string id) => _gates.GetOrAdd(id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));

    public void Release(string id) => Gate(id).TrySetResult();

    internal void Started(string id)
    {
        _invocations.AddOrUpdate(id, 1, (_, n) => n + 1);
        _running[id] = true;
        var now = _running.Count;
        for (var max = MaxRunning; now > max; max = MaxRunning)
        {
            Interlocked.CompareExchange(ref _maxRunning, now, max);
        }
    }

    internal void Ended(string id) => _running.TryRemove(id, out _);
}

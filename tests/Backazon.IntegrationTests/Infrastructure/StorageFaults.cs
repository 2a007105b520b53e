using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;

namespace Backazon.IntegrationTests.Infrastructure;

/// <summary>How an injected storage fault behaves.</summary>
public enum FaultKind
{
    /// <summary>The request fails before it reaches storage (503).</summary>
    Fail,

    /// <summary>The request is carried out, then its response is lost (the caller sees an error).</summary>
    DropResponse,
}

/// <summary>
/// Fails the Nth storage request the backend makes from the moment it is armed (queue polling
/// aside, which is clock-driven): restic-style fault injection, to prove every step of a path
/// can fail and the next run still ends exact.
/// </summary>
public sealed class StorageFaults : HttpPipelinePolicy
{
    private int _countdown = int.MaxValue;
    private FaultKind _kind;
    private int _seen;

    /// <summary>Requests seen since the last <see cref="Arm"/> or <see cref="Count"/>.</summary>
    public int Seen => Volatile.Read(ref _seen);

    public bool Fired { get; private set; }

    /// <summary>Counts without failing.</summary>
    public void Count()
    {
        Interlocked.Exchange(ref _seen, 0);
        Interlocked.Exchange(ref _countdown, int.MaxValue);
        Fired = false;
    }

    public void Arm(int nth, FaultKind kind)
    {
        _kind = kind;
        Fired = false;
        Interlocked.Exchange(ref _seen, 0);
        Interlocked.Exchange(ref _countdown, nth);
    }

    public void Disarm() => Interlocked.Exchange(ref _countdown, int.MaxValue);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var polling = message.Request.Method == RequestMethod.Get && message.Request.Uri.Path.EndsWith("/messages", StringComparison.Ordinal);
        var fire = !polling && Interlocked.Increment(ref _seen) > 0 && Interlocked.Decrement(ref _countdown) == 0;
        if (fire && _kind == FaultKind.Fail)
        {
            Fired = true;
            throw new RequestFailedException(503, "Injected fault: the service is unavailable.", "ServerBusy", null);
        }

        await ProcessNextAsync(message, pipeline);
        if (fire)
        {
            Fired = true;
            throw new RequestFailedException(500, "Injected fault: the write was applied, its response lost.", "InternalError", null);
        }
    }
}

/// <summary>A backend of its own whose storage requests can be made to fail.</summary>
public sealed class FaultyBackendFixture : BackendFixture
{
    public StorageFaults Faults { get; } = new();

    protected override void Configure(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder) =>
        builder.Services.AddSingleton<HttpPipelinePolicy>(Faults);
}

[CollectionDefinition(Name)]
public sealed class FaultyBackendCollection : ICollectionFixture<FaultyBackendFixture>
{
    public const string Name = "faulty backend";
}

using System.Text.Json;

namespace Backazon.LocalHost.Functions;

/// <summary>The Functions host's queue settings (host.json extensions.queues), with its defaults.</summary>
public sealed record QueueHostOptions
{
    public int BatchSize { get; init; } = 16;
    public int MaxDequeueCount { get; init; } = 5;
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.Zero;
    public TimeSpan MaxPollingInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a message being processed stays hidden from other consumers.</summary>
    public TimeSpan ProcessingLease { get; init; } = TimeSpan.FromMinutes(10);

    public static QueueHostOptions FromHostJson(string path)
    {
        var options = new QueueHostOptions();
        if (!File.Exists(path))
        {
            return options;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        if (!document.RootElement.TryGetProperty("extensions", out var extensions) || !extensions.TryGetProperty("queues", out var queues))
        {
            return options;
        }

        return options with
        {
            BatchSize = queues.TryGetProperty("batchSize", out var b) ? Math.Clamp(b.GetInt32(), 1, 32) : options.BatchSize,
            MaxDequeueCount = queues.TryGetProperty("maxDequeueCount", out var m) ? m.GetInt32() : options.MaxDequeueCount,
            VisibilityTimeout = queues.TryGetProperty("visibilityTimeout", out var v) ? TimeSpan.Parse(v.GetString()!) : options.VisibilityTimeout,
            MaxPollingInterval = queues.TryGetProperty("maxPollingInterval", out var p) ? TimeSpan.Parse(p.GetString()!) : options.MaxPollingInterval,
        };
    }
}

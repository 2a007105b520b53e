using System.Text.Json;

namespace Backazon.LocalHost.Functions;

/// <summary>The Functions host's queue settings (host.json extensions.queues), with its defaults.</summary>
public sealed record QueueHostOptions
{
    private readonly int? _newBatchThreshold;

    public int BatchSize { get; init; } = 16;

    /// <summary>A new batch is fetched once no more than this many messages are still being
    /// processed, so at most BatchSize + NewBatchThreshold run at once. The host's default is
    /// half the batch size.</summary>
    public int NewBatchThreshold
    {
        get => _newBatchThreshold ?? BatchSize / 2;
        init => _newBatchThreshold = value;
    }

    public int MaxDequeueCount { get; init; } = 5;
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.Zero;
    public TimeSpan MaxPollingInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a received message stays hidden from other consumers before it is
    /// renewed. Short, so the messages of a killed host come back soon; renewed while the
    /// function runs, so a long run is not delivered twice.</summary>
    public TimeSpan ProcessingLease { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How often a message being processed has its lease renewed: a third of the
    /// lease, so two renewals can fail or be late before the message shows again.</summary>
    public TimeSpan LeaseRenewalInterval => ProcessingLease / 3;

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

        options = options with
        {
            BatchSize = queues.TryGetProperty("batchSize", out var b) ? Math.Clamp(b.GetInt32(), 1, 32) : options.BatchSize,
            MaxDequeueCount = queues.TryGetProperty("maxDequeueCount", out var m) ? m.GetInt32() : options.MaxDequeueCount,
            VisibilityTimeout = queues.TryGetProperty("visibilityTimeout", out var v) ? TimeSpan.Parse(v.GetString()!) : options.VisibilityTimeout,
            MaxPollingInterval = queues.TryGetProperty("maxPollingInterval", out var p) ? TimeSpan.Parse(p.GetString()!) : options.MaxPollingInterval,
        };

        // Read after the batch size: without it, the default follows the configured batch size.
        return queues.TryGetProperty("newBatchThreshold", out var t) ? options with { NewBatchThreshold = Math.Max(0, t.GetInt32()) } : options;
    }
}

namespace Backazon.Uploader.Agent;

/// <summary>How the agent paces itself. The defaults suit a laptop; tests shorten them.</summary>
public sealed record AgentOptions
{
    /// <summary>How often the agent looks at the clock, the pause and the config file: what
    /// bounds how long a pause, a new upload rate or a wake-up takes to be noticed.</summary>
    public TimeSpan Tick { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The first wait after a failed run; it doubles (with jitter) up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>While it waits after failing to reach the server, the agent asks the server's
    /// health this often, and goes on as soon as it answers.</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Overrides "interval" in config.json.</summary>
    public TimeSpan? Interval { get; init; }

    /// <summary>Each run's progress also goes to a view of its own (agent --json: JSON lines on
    /// standard output, one run after another); null: the log only.</summary>
    public Func<Uploading.IBackupProgress>? RunView { get; init; }

    /// <summary>Told when each run ends, failed or not (the foreground agent prints it); null: the log only.</summary>
    public Action<AgentRun>? RunEnded { get; init; }

    /// <summary>Overrides "maxUploadRate" in config.json (bytes per second, 0 for no limit).</summary>
    public long? MaxUploadRate { get; init; }
}

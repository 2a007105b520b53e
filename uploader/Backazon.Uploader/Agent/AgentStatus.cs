using Backazon.Uploader.Configuration;

namespace Backazon.Uploader.Agent;

/// <summary>
/// What the agent says of itself (agent.json), written by the agent only, for "backazon status":
/// its process, the next run, the run in progress with what it still has to send, and its
/// recent failures in plain words. Whether it runs at all is told by its lock, not by this file,
/// which a killed agent leaves behind.
/// </summary>
public sealed record AgentStatus
{
    public const int ErrorsKept = 10;

    public int? Pid { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? NextRunAt { get; init; }

    /// <summary>When the run in progress started; null between runs.</summary>
    public DateTimeOffset? RunningSince { get; init; }

    /// <summary>Whether the agent has seen the pause in force and holds still.</summary>
    public bool Paused { get; init; }

    public int PendingFiles { get; init; }

    public long PendingBytes { get; init; }

    public int ConsecutiveFailures { get; init; }

    public IReadOnlyList<AgentError> LastErrors { get; init; } = [];

    public AgentStatus WithError(DateTimeOffset at, string message) =>
        this with { LastErrors = [new AgentError(at, message), .. LastErrors.Take(ErrorsKept - 1)] };

    public static AgentStatus Read(StateFolder state) => JsonFile.Read<AgentStatus>(state.AgentStatusFile) ?? new AgentStatus();

    public void Write(StateFolder state) => JsonFile.Write(state.AgentStatusFile, this);
}

public sealed record AgentError(DateTimeOffset At, string Message);

using Backazon.Uploader.Uploading;

namespace Backazon.Uploader.Agent;

/// <summary>How one of the agent's runs ended, as it tells whoever watches it in the foreground:
/// <paramref name="Outcome"/> as <see cref="RunRecord"/> names it, the error of a failed run and
/// when it is tried again, the summary of one that finished.</summary>
public sealed record AgentRun(
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    string Outcome,
    string? Error,
    BackupSummary? Summary,
    DateTimeOffset? NextTryAt);

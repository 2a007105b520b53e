using Backazon.Uploader.Configuration;

namespace Backazon.Uploader.Agent;

/// <summary>
/// How the last backup run of this machine ended, by the agent or by hand (last-run.json). Only
/// the holder of the backup lock writes it. <see cref="LastSuccessAt"/> (the start of the last
/// run of the configured folders that finished) is carried forward by failed runs: it is what
/// the schedule counts from. <see cref="LastCompleteAt"/> and <see cref="LastCompleteFolders"/>
/// say the same of the last run of any folders (a "backup FOLDER" by hand), for "status".
/// </summary>
public sealed record RunRecord(
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    string Outcome,
    string? Error,
    int New,
    int Changed,
    int Deleted,
    int Skipped,
    long BytesSent,
    IReadOnlyList<string> Problems,
    DateTimeOffset? LastSuccessAt,
    DateTimeOffset? LastCompleteAt = null,
    IReadOnlyList<string>? LastCompleteFolders = null)
{
    public const string FileName = "last-run.json";

    public const string Completed = "completed";
    public const string CompletedWithSkips = "completed with skips";
    public const string Failed = "failed";
    public const string Interrupted = "interrupted";

    /// <summary>At most this many skipped files are kept with their reasons.</summary>
    public const int ProblemsKept = 20;

    public static RunRecord? Read(StateFolder state) => JsonFile.Read<RunRecord>(state.File(FileName));

    public void Write(StateFolder state) => JsonFile.Write(state.File(FileName), this);
}

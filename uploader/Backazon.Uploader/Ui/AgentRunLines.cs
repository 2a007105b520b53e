using System.Text.Json;
using Backazon.Contracts;
using Backazon.Uploader.Agent;

namespace Backazon.Uploader.Ui;

/// <summary>What the agent run in the foreground prints when a run ends, on standard output: a
/// line a person reads, or (--json) one "run" record among the run's progress lines.</summary>
public static class AgentRunLines
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Action<AgentRun> Text(TextWriter output) => run =>
    {
        var what = run.Summary is { } s && run.Error is null
            ? $"backup {run.Outcome}: {s.New} new, {s.Changed} changed, {s.Deleted} deleted, {s.Skipped.Count} skipped; {ByteSizes.Format(s.BytesSent)} sent."
            : $"backup {run.Outcome}: {run.Error}";
        var next = run.NextTryAt is { } at ? $" Trying again at {Times.Local(at)}." : "";
        lock (output)
        {
            output.WriteLine($"{Times.Local(run.FinishedAt)}  {what}{next}");
            output.Flush();
        }
    };

    public static Action<AgentRun> JsonLines(TextWriter output) => run =>
    {
        var line = JsonSerializer.Serialize(new
        {
            messageType = "run",
            run.StartedAt,
            run.FinishedAt,
            run.Outcome,
            run.Error,
            run.NextTryAt,
            newFiles = run.Summary?.New,
            changedFiles = run.Summary?.Changed,
            deletedFiles = run.Summary?.Deleted,
            skippedFiles = run.Summary?.Skipped.Count,
            bytesSent = run.Summary?.BytesSent,
        }, Json);
        lock (output)
        {
            output.WriteLine(line);
            output.Flush();
        }
    };
}

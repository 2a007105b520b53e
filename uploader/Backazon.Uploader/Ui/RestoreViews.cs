using System.Text.Json;
using Backazon.Contracts;
using Backazon.Uploader.Restoring;
using Spectre.Console;

namespace Backazon.Uploader.Ui;

/// <summary>Plain lines for a restore: one per file that was not simply restored (the path it was
/// backed up from, with ~), then a summary.</summary>
public sealed class PlainRestoreView(TextWriter output) : IRestoreProgress
{
    private readonly Lock _lock = new();

    public void Planned(int files, long bytes) { }
    public void Received(long bytes) { }

    public void Done(string path, RestoreOutcome outcome, string? detail)
    {
        if (outcome != RestoreOutcome.Restored)
        {
            lock (_lock)
            {
                output.WriteLine($"{outcome.ToString().ToLowerInvariant()} {UserPaths.Show(path)}{(detail is null ? "" : ": " + detail)}");
            }
        }
    }

    public void Finished(RestoreSummary summary) => output.WriteLine(Describe(summary));

    public static string Describe(RestoreSummary s) =>
        $"Restore {(s.Complete ? "complete" : "incomplete")} in {s.Elapsed.TotalSeconds:0.0} s: {s.Count(RestoreOutcome.Restored)} restored, " +
        $"{s.Count(RestoreOutcome.Identical)} already identical, {s.Count(RestoreOutcome.Replaced)} replaced, {s.Count(RestoreOutcome.Kept)} kept (different file there), " +
        $"{s.Count(RestoreOutcome.Refused)} refused (unsafe path or link), {s.Count(RestoreOutcome.Failed)} failed; {ByteSizes.Format(s.BytesReceived)} received.";
}

/// <summary>JSON lines: one per file (its full original path), then the summary.</summary>
public sealed class JsonRestoreView(TextWriter output) : IRestoreProgress
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Lock _lock = new();

    public void Planned(int files, long bytes) { }
    public void Received(long bytes) { }
    public void Done(string path, RestoreOutcome outcome, string? detail) => Write(new { messageType = "file", path = UserPaths.Full(path), outcome = outcome.ToString().ToLowerInvariant(), detail });
    public void Finished(RestoreSummary summary) => Write(new
    {
        messageType = "summary",
        complete = summary.Complete,
        bytesReceived = summary.BytesReceived,
        restored = summary.Count(RestoreOutcome.Restored),
        identical = summary.Count(RestoreOutcome.Identical),
        replaced = summary.Count(RestoreOutcome.Replaced),
        kept = summary.Count(RestoreOutcome.Kept),
        refused = summary.Count(RestoreOutcome.Refused),
        failed = summary.Count(RestoreOutcome.Failed),
    });

    private void Write(object message)
    {
        lock (_lock)
        {
            output.WriteLine(JsonSerializer.Serialize(message, Json));
        }
    }
}

/// <summary>A live bar of bytes received (speed, time left) over the plain per-file lines.</summary>
public sealed class LiveRestoreView : IRestoreProgress, IDisposable
{
    private readonly PlainRestoreView _lines = new(Console.Out);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _render;
    private long _total, _received;

    public LiveRestoreView() =>
        _render = AnsiConsole.Progress().AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("Restoring", maxValue: 1);
                while (!_stop.IsCancellationRequested)
                {
                    task.MaxValue = Math.Max(1, Interlocked.Read(ref _total));
                    task.Value = Interlocked.Read(ref _received);
                    await Task.Delay(200).ContinueWith(_ => { });
                }
            });

    public void Planned(int files, long bytes) => Interlocked.Add(ref _total, bytes);
    public void Received(long bytes) => Interlocked.Add(ref _received, bytes);
    public void Done(string path, RestoreOutcome outcome, string? detail) => _lines.Done(path, outcome, detail);

    public void Finished(RestoreSummary summary)
    {
        Dispose();
        AnsiConsole.WriteLine(PlainRestoreView.Describe(summary));
    }

    public void Dispose()
    {
        _stop.Cancel();
        _render.GetAwaiter().GetResult();
    }
}

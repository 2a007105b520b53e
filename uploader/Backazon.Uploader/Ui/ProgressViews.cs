using System.Text.Json;
using Backazon.Contracts;
using Backazon.Uploader.Uploading;
using Spectre.Console;

namespace Backazon.Uploader.Ui;

/// <summary>Chooses how a run shows itself: JSON lines for machines, a live view in a terminal,
/// plain lines otherwise (redirected output, CI, NO_COLOR).</summary>
public static class ProgressViews
{
    public static bool UseLiveView(TextWriter output) =>
        ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    public static string Describe(BackupSummary s)
    {
        var lines = new List<string>
        {
            $"Backup {(s.Complete ? "complete" : "completed with files skipped")} in {(s.FinishedAt - s.StartedAt).TotalSeconds:0.0} s: " +
            $"{s.New} new, {s.Changed} changed, {s.Unchanged} unchanged, {s.Deleted} deleted, {s.Skipped.Count} skipped; " +
            $"{ByteSizes.Format(s.BytesSent)} sent in {s.FilesSent} upload(s).",
        };
        if (s.NowExcluded > 0)
        {
            lines.Add($"{s.NowExcluded:N0} of the deleted are files an exclusion now leaves out: their backups are kept for the plan's deleted-file period, then removed.");
        }

        if (!s.WaitedForCatalog)
        {
            lines.Add("The server is still cataloging; the next run confirms it (nothing is lost).");
        }

        lines.AddRange(s.Skipped.Select(k => $"  skipped {k.Path}: {k.Reason}"));
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>Plain lines (output redirected, CI, NO_COLOR): one per phase, one per skipped file, a
/// line of totals every few seconds while anything moves (a long run stays visibly alive in a
/// log), then the summary.</summary>
public sealed class PlainProgressView : TotalsProgressView, IDisposable
{
    public static readonly TimeSpan LineEvery = TimeSpan.FromSeconds(5);
    private readonly TextWriter _output;
    private readonly ITimer? _timer;
    private readonly Lock _lock = new();
    private string _phase = "";
    private string? _lastLine;

    public PlainProgressView(TextWriter output, TimeProvider? clock = null)
    {
        _output = output;
        _timer = ReferenceEquals(output, TextWriter.Null) ? null : (clock ?? TimeProvider.System).CreateTimer(_ => Line(), null, LineEvery, LineEvery);
    }

    public override void Phase(string name)
    {
        _phase = name;
        Write($"{name}...");
    }

    public override void Skipped(string path, string reason) => Write($"skipped {path}: {reason}");

    public override void Finished(BackupSummary summary)
    {
        _timer?.Dispose();
        Line(); // the totals as they ended, not as they stood at the last tick
        Write(ProgressViews.Describe(summary));
    }

    /// <summary>The totals now, as one line; nothing when nothing moved since the last one.</summary>
    public void Line()
    {
        var t = Totals;
        var line = $"{_phase}: {t.FilesDone:N0} of {t.FilesPlanned:N0} files done; read {ByteSizes.Format(t.BytesHashed)} of {ByteSizes.Format(t.BytesToRead)}, " +
            $"sent {ByteSizes.Format(t.BytesSent)} of {ByteSizes.Format(t.BytesToSend)}" +
            (t.EntriesCommitted > 0 ? $"; the server checked {t.EntriesChecked:N0} of {t.EntriesCommitted:N0}" : "");
        lock (_lock)
        {
            if (line == _lastLine)
            {
                return;
            }

            _lastLine = line;
        }

        Write(line);
    }

    private void Write(string line)
    {
        lock (_lock)
        {
            _output.WriteLine(line);
        }
    }

    public void Dispose() => _timer?.Dispose();
}

/// <summary>JSON lines (restic-style message types) for scripts and monitoring: "planned" per
/// batch (they add up), "status" with running totals every quarter second or 4 MiB sent,
/// whichever comes first, "skipped", "summary".</summary>
public sealed class JsonProgressView(TextWriter output, TimeProvider? clock = null) : TotalsProgressView
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan StatusEvery = TimeSpan.FromMilliseconds(250);
    private const long StatusEveryBytes = 4 * 1024 * 1024;
    private readonly Lock _lock = new();
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private DateTimeOffset _lastStatus;
    private long _lastStatusSent;

    public override void Phase(string name) => Write(new { messageType = "phase", phase = name });

    public override void Planned(int files, long bytes)
    {
        base.Planned(files, bytes);
        Write(new { messageType = "planned", files, bytes });
    }

    public override void Skipped(string path, string reason) => Write(new { messageType = "skipped", path, reason });

    public override void Finished(BackupSummary summary)
    {
        Status(final: true); // the totals as they ended, whatever the throttle let through before
        Write(new { messageType = "summary", summary });
    }

    protected override void Moved() => Status();

    private void Status(bool final = false)
    {
        var now = _clock.GetUtcNow();
        lock (_lock)
        {
            var t = Totals;
            var sent = t.BytesSent;
            if (!final && now - _lastStatus < StatusEvery && sent - _lastStatusSent < StatusEveryBytes)
            {
                return;
            }

            _lastStatus = now;
            _lastStatusSent = sent;
            output.WriteLine(JsonSerializer.Serialize(new
            {
                messageType = "status",
                bytesPlanned = t.BytesPlanned,
                bytesToRead = t.BytesToRead,
                bytesHashed = t.BytesHashed,
                bytesToSend = t.BytesToSend,
                bytesSent = sent,
                filesPlanned = t.FilesPlanned,
                filesDone = t.FilesDone,
                entriesCommitted = t.EntriesCommitted,
                entriesChecked = t.EntriesChecked,
            }, Json));
            output.Flush();
        }
    }

    private void Write(object message)
    {
        lock (_lock)
        {
            output.WriteLine(JsonSerializer.Serialize(message, Json));
        }
    }
}

/// <summary>The live terminal view: files as a count, bytes read and sent of what has to be read
/// and sent (so both end at 100% when copies and stored content need nothing), and, once commits
/// go out, the server's check as a count of its own. One unit family: the decimal sizes every
/// other line prints.</summary>
public sealed class LiveProgressView : TotalsProgressView, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _planned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _render;
    private string _phase = "Scanning";

    public override void Phase(string name)
    {
        _phase = name;
        if (_render is null)
        {
            _render = AnsiConsole.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new AmountColumn(), new RateColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    await _planned.Task;
                    var files = AmountColumn.Counting(context.AddTask("Files", maxValue: 1));
                    var read = context.AddTask("Read", maxValue: 1);
                    var sent = context.AddTask("Sent", maxValue: 1);
                    ProgressTask? checking = null;
                    while (!_stop.IsCancellationRequested)
                    {
                        // The totals grow as the scan finds more: the bars follow.
                        var t = Totals;
                        Set(files, t.FilesDone, t.FilesPlanned);
                        Set(read, t.BytesHashed, t.BytesToRead);
                        Set(sent, t.BytesSent, t.BytesToSend);
                        if (t.EntriesCommitted > 0)
                        {
                            checking ??= AmountColumn.Counting(context.AddTask("Server check", maxValue: 1));
                            Set(checking, t.EntriesChecked, t.EntriesCommitted);
                        }

                        files.Description = $"{_phase}: files";
                        await Task.Delay(200).ContinueWith(_ => { });
                    }
                });
        }
    }

    public override void Planned(int files, long bytes)
    {
        base.Planned(files, bytes);
        _planned.TrySetResult();
    }

    public override void Skipped(string path, string reason)
    {
    }

    public override void Finished(BackupSummary summary)
    {
        Dispose();
        AnsiConsole.WriteLine(ProgressViews.Describe(summary));
    }

    /// <summary>A bar at value of total; a total of nothing is a full bar, not an empty one.</summary>
    private static void Set(ProgressTask task, double value, double total)
    {
        task.MaxValue = Math.Max(1, total);
        task.Value = total <= 0 ? task.MaxValue : Math.Min(value, task.MaxValue);
    }

    public void Dispose()
    {
        _planned.TrySetResult();
        _stop.Cancel();
        _render?.GetAwaiter().GetResult();
        _render = null;
    }
}

/// <summary>"done/total" for a bar: a count for the bars that count (files, the server's check),
/// decimal sizes for the rest.</summary>
public sealed class AmountColumn : ProgressColumn
{
    private const string CountKey = "backazon.counts";

    public static ProgressTask Counting(ProgressTask task)
    {
        task.State.Update<bool>(CountKey, _ => true);
        return task;
    }

    public static bool Counts(ProgressTask task) => task.State.Get<bool>(CountKey);

    public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        new Text(Counts(task)
            ? $"{task.Value:N0}/{task.MaxValue:N0}"
            : $"{ByteSizes.Format((long)task.Value)}/{ByteSizes.Format((long)task.MaxValue)}");
}

/// <summary>Speed in the bar's own unit: files a second, or decimal bytes a second.</summary>
public sealed class RateColumn : ProgressColumn
{
    public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        new Text(task.Speed is not { } speed ? ""
            : AmountColumn.Counts(task) ? $"{speed:N0}/s"
            : $"{ByteSizes.Format((long)speed)}/s");
}

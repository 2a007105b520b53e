using System.Text.Json;
using Backazon.Contracts;
using Backazon.Uploader.Restoring;
using Spectre.Console;

namespace Backazon.Uploader.Ui;

/// <summary>Plain lines for a restore: one per file that needs a word (kept, replaced, refused,
/// failed; the path it was backed up from, with ~), then a summary; files restored or already identical are counted there, not listed,
/// so an unchanged restore of thousands of files is one line.</summary>
public sealed class PlainRestoreView : IRestoreProgress, IDisposable
{
    private readonly TextWriter _output;
    private readonly Lock _lock = new();
    private readonly ITimer? _timer;
    private long _totalBytes, _received;
    private int _totalFiles, _done;
    private string? _lastLine;

    /// <param name="everyFewSeconds">also a line of totals every few seconds while it moves (a
    /// long restore stays visibly alive in a log)</param>
    public PlainRestoreView(TextWriter output, bool everyFewSeconds = false, TimeProvider? clock = null)
    {
        _output = output;
        _timer = everyFewSeconds ? (clock ?? TimeProvider.System).CreateTimer(_ => Line(), null, PlainProgressView.LineEvery, PlainProgressView.LineEvery) : null;
    }

    public void Planned(int files, long bytes)
    {
        Interlocked.Add(ref _totalFiles, files);
        Interlocked.Add(ref _totalBytes, bytes);
    }

    public void Received(long bytes) => Interlocked.Add(ref _received, bytes);

    public void Line()
    {
        var line = $"Restoring: {Volatile.Read(ref _done):N0} of {Volatile.Read(ref _totalFiles):N0} files, " +
            $"{ByteSizes.Format(Interlocked.Read(ref _received))} of {ByteSizes.Format(Interlocked.Read(ref _totalBytes))} received";
        lock (_lock)
        {
            if (line != _lastLine)
            {
                _lastLine = line;
                _output.WriteLine(line);
            }
        }
    }

    public void Dispose() => _timer?.Dispose();

    public void Done(string path, RestoreOutcome outcome, string? detail)
    {
        Interlocked.Increment(ref _done);
        if (outcome is not (RestoreOutcome.Restored or RestoreOutcome.Identical))
        {
            lock (_lock)
            {
                _output.WriteLine($"{outcome.ToString().ToLowerInvariant()} {UserPaths.Show(path)}{(detail is null ? "" : ": " + detail)}");
            }
        }
    }

    public void Finished(RestoreSummary summary)
    {
        _timer?.Dispose();
        lock (_lock)
        {
            _output.WriteLine(Describe(summary));
        }
    }

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

/// <summary>Live bars of files done and bytes received (speed, time left; the decimal units of
/// every other line) over the plain per-file lines.</summary>
public sealed class LiveRestoreView : IRestoreProgress, IDisposable
{
    private readonly PlainRestoreView _lines = new(Console.Out);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _render;
    private long _total, _received;
    private int _files, _done;

    public LiveRestoreView() =>
        _render = AnsiConsole.Progress().AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new AmountColumn(), new RateColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var files = AmountColumn.Counting(context.AddTask("Restoring: files", maxValue: 1));
                var bytes = context.AddTask("Received", maxValue: 1);
                while (!_stop.IsCancellationRequested)
                {
                    files.MaxValue = Math.Max(1, Volatile.Read(ref _files));
                    files.Value = Volatile.Read(ref _done);
                    bytes.MaxValue = Math.Max(1, Interlocked.Read(ref _total));
                    bytes.Value = Interlocked.Read(ref _received);
                    await Task.Delay(200).ContinueWith(_ => { });
                }
            });

    public void Planned(int files, long bytes)
    {
        Interlocked.Add(ref _files, files);
        Interlocked.Add(ref _total, bytes);
    }

    public void Received(long bytes) => Interlocked.Add(ref _received, bytes);

    public void Done(string path, RestoreOutcome outcome, string? detail)
    {
        Interlocked.Increment(ref _done);
        _lines.Done(path, outcome, detail);
    }

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

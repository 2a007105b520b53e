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
        if (!s.WaitedForCatalog)
        {
            lines.Add("The server is still cataloging; the next run confirms it (nothing is lost).");
        }

        lines.AddRange(s.Skipped.Select(k => $"  skipped {k.Path}: {k.Reason}"));
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>Plain lines: one per phase, one per skipped file, then the summary.</summary>
public sealed class PlainProgressView(TextWriter output) : IBackupProgress
{
    public void Phase(string name) => output.WriteLine($"{name}...");
    public void Planned(int files, long bytes) { }
    public void Hashed(long bytes) { }
    public void Sent(long bytes) { }
    public void FileDone(long bytes) { }
    public void Skipped(string path, string reason) => output.WriteLine($"skipped {path}: {reason}");
    public void Finished(BackupSummary summary) => output.WriteLine(ProgressViews.Describe(summary));
}

/// <summary>JSON lines (restic-style message types) for scripts and monitoring: "planned" per
/// batch (they add up), "status" with running totals every quarter second or 4 MiB sent,
/// whichever comes first, "skipped", "summary".</summary>
public sealed class JsonProgressView(TextWriter output, TimeProvider? clock = null) : IBackupProgress
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan StatusEvery = TimeSpan.FromMilliseconds(250);
    private const long StatusEveryBytes = 4 * 1024 * 1024;
    private readonly Lock _lock = new();
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private long _hashed, _sent, _planned;
    private int _filesDone;
    private DateTimeOffset _lastStatus;
    private long _lastStatusSent;

    public void Phase(string name) => Write(new { messageType = "phase", phase = name });
    public void Planned(int files, long bytes)
    {
        Interlocked.Add(ref _planned, bytes);
        Write(new { messageType = "planned", files, bytes });
    }

    public void Hashed(long bytes) => Status(ref _hashed, bytes);
    public void Sent(long bytes) => Status(ref _sent, bytes);
    public void FileDone(long bytes)
    {
        Interlocked.Increment(ref _filesDone);
        Status();
    }
    public void Skipped(string path, string reason) => Write(new { messageType = "skipped", path, reason });
    public void Finished(BackupSummary summary) => Write(new { messageType = "summary", summary });

    private void Status(ref long total, long add)
    {
        Interlocked.Add(ref total, add);
        Status();
    }

    private void Status()
    {
        var now = _clock.GetUtcNow();
        lock (_lock)
        {
            var sent = Interlocked.Read(ref _sent);
            if (now - _lastStatus < StatusEvery && sent - _lastStatusSent < StatusEveryBytes)
            {
                return;
            }

            _lastStatus = now;
            _lastStatusSent = sent;
            output.WriteLine(JsonSerializer.Serialize(new
            {
                messageType = "status",
                bytesPlanned = Interlocked.Read(ref _planned),
                bytesHashed = Interlocked.Read(ref _hashed),
                bytesSent = sent,
                filesDone = _filesDone,
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

/// <summary>The live terminal view: files and bytes done of total, speed and time left.</summary>
public sealed class LiveProgressView : IBackupProgress, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _planned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _render;
    private ProgressTask? _files, _hashing, _sending;
    private int _fileCount;
    private long _byteCount;
    private string _phase = "Scanning";

    public void Phase(string name)
    {
        _phase = name;
        if (_render is null)
        {
            _render = AnsiConsole.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    await _planned.Task;
                    _files = context.AddTask("Files", maxValue: Math.Max(1, _fileCount));
                    _hashing = context.AddTask("Read", maxValue: Math.Max(1, _byteCount));
                    _sending = context.AddTask("Sent", maxValue: Math.Max(1, _byteCount));
                    while (!_stop.IsCancellationRequested)
                    {
                        // The totals grow as the scan finds more: the bars follow.
                        _files.MaxValue = Math.Max(1, Volatile.Read(ref _fileCount));
                        _hashing.MaxValue = _sending.MaxValue = Math.Max(1, Interlocked.Read(ref _byteCount));
                        _files.Description = $"{_phase}: files";
                        await Task.Delay(200).ContinueWith(_ => { });
                    }
                });
        }
    }

    public void Planned(int files, long bytes)
    {
        Interlocked.Add(ref _fileCount, files);
        Interlocked.Add(ref _byteCount, bytes);
        _planned.TrySetResult();
    }

    public void Hashed(long bytes) => _hashing?.Increment(bytes);
    public void Sent(long bytes) => _sending?.Increment(bytes);
    public void FileDone(long bytes) => _files?.Increment(1);
    public void Skipped(string path, string reason) { }

    public void Finished(BackupSummary summary)
    {
        Dispose();
        AnsiConsole.WriteLine(ProgressViews.Describe(summary));
    }

    public void Dispose()
    {
        _planned.TrySetResult();
        _stop.Cancel();
        _render?.GetAwaiter().GetResult();
        _render = null;
    }
}

using System.Diagnostics;
using System.Text.Json;

namespace Backazon.IntegrationTests.Infrastructure;

/// <summary>
/// The real agent ("backazon agent --json"), a process of its own on one test machine's config
/// folder: reads its JSON lines as they come, counts the runs that finished and the bytes it
/// reported sent, and stops it the way a service manager does (SIGTERM) or the way a power cut
/// does (SIGKILL).
/// </summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task _reading;
    private readonly Lock _lock = new();
    private readonly System.Text.StringBuilder _errors = new();
    private long _sentInFinishedRuns;
    private long _sentInThisRun;
    private int _runsFinished;

    private AgentProcess(Process process)
    {
        _process = process;
        _reading = Task.Run(ReadAsync);
        process.ErrorDataReceived += (_, e) =>
        {
            lock (_lock)
            {
                _errors.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
    }

    public static AgentProcess Start(CliHarness machine, IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        new(machine.Start(environment ?? new Dictionary<string, string>(), ["agent", "--json", .. args]));

    public int RunsFinished => Volatile.Read(ref _runsFinished);

    /// <summary>What the agent reported sent so far, over all its runs (a status line lags the
    /// wire by at most a quarter second or 4 MiB).</summary>
    public long BytesSent
    {
        get
        {
            lock (_lock)
            {
                return _sentInFinishedRuns + _sentInThisRun;
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The agent's log lines (standard error), for a failing test's message.</summary>
    public string Log
    {
        get
        {
            lock (_lock)
            {
                return _errors.ToString();
            }
        }
    }

    public Task RunsFinishedAsync(int count, int timeoutSeconds = 60) =>
        Eventually.HoldsAsync(() => RunsFinished >= count || _process.HasExited, $"{count} run(s) finished", timeoutSeconds)
            .ContinueWith(t =>
            {
                Assert.False(_process.HasExited && RunsFinished < count, $"the agent exited (code {(_process.HasExited ? _process.ExitCode : 0)}): {Log}");
                t.GetAwaiter().GetResult();
            }, TaskScheduler.Default);

    /// <summary>SIGTERM, as systemd or launchd stop a service; returns the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
        await _reading;
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no cleanup runs.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        await _reading;
    }

    private async Task ReadAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith('{'))
            {
                continue;
            }

            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            lock (_lock)
            {
                switch (root.GetProperty("messageType").GetString())
                {
                    case "summary":
                        _sentInFinishedRuns += root.GetProperty("summary").GetProperty("bytesSent").GetInt64();
                        _sentInThisRun = 0;
                        _runsFinished++;
                        break;
                    case "status":
                        _sentInThisRun = Math.Max(_sentInThisRun, root.GetProperty("bytesSent").GetInt64());
                        break;
                    case "phase" when root.GetProperty("phase").GetString() == "Backing up":
                        // A run that failed has no summary: what it sent counts all the same.
                        _sentInFinishedRuns += _sentInThisRun;
                        _sentInThisRun = 0;
                        break;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }
}

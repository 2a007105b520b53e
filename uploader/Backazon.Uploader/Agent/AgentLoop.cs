using Backazon.Uploader.Api;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Configuration;
using Backazon.Uploader.Uploading;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Backazon.Uploader.Agent;

/// <summary>
/// The background agent: backs up on its schedule, one run at a time, until stopped. Between runs
/// it looks every tick at the wall clock (so a run missed during sleep starts soon after wake-up),
/// the pause and the config. A failed run is tried again with growing, jittered waits; while it
/// waits because the server could not be reached, it asks the server's health and goes on as
/// soon as it answers. A pause stops a run in progress: the engine keeps every step it finished
/// (see <see cref="BackupRunner"/>), so stopping costs at most the batches in flight.
/// </summary>
public sealed class AgentLoop
{
    private readonly CliContext _cli;
    private readonly AgentOptions _options;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _retry;
    private readonly UploadPace _pace = new();
    private readonly Lock _statusLock = new();
    private AgentStatus _status = new();
    private volatile bool _waitingToRetry;
    private volatile bool _lastFailureWasUnreachable;
    private DateTimeOffset _runStartedAt;

    public AgentLoop(CliContext cli, AgentOptions options, ILogger logger)
    {
        _cli = cli;
        _options = options;
        _logger = logger;
        _retry = new ResiliencePipelineBuilder { TimeProvider = cli.Clock }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
                // A backup started by hand holds the lock: look again next tick, it is no failure.
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(args.Outcome.Exception is BackupBusyException ? options.Tick : null),
                OnRetry = args =>
                {
                    OnFailure(args.Outcome.Exception!, args.RetryDelay);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>What the agent says of itself now (also in agent.json).</summary>
    public AgentStatus Status
    {
        get
        {
            lock (_statusLock)
            {
                return _status;
            }
        }
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        var device = await EnrolledDeviceAsync(stopping);
        Update(s => AgentStatus.Read(_cli.State) with { Pid = Environment.ProcessId, StartedAt = Now, RunningSince = null, Paused = false });
        _logger.LogInformation("Agent started (pid {Pid}) for device {Device}; state in {State}", Environment.ProcessId, device.DeviceName, _cli.State.Path);
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var settings = SettingsOrNull();
                ApplyPace(settings);
                var paused = PauseFile.Active(_cli.State, Now) is not null;
                if (paused != Status.Paused)
                {
                    Update(s => s with { Paused = paused });
                    _logger.LogInformation(paused ? "Paused" : "Resumed");
                }

                if (paused)
                {
                    await TickAsync(_options.Tick, stopping);
                    continue;
                }

                var interval = _options.Interval ?? SafeInterval(settings);
                var due = Schedule.For(device.DeviceId, interval).NextRun(SafeLastRun()?.LastSuccessAt);
                if (due > Now)
                {
                    if (Status.NextRunAt != due)
                    {
                        Update(s => s with { NextRunAt = due });
                        _logger.LogInformation("Next backup at {Due:u}", due);
                    }

                    await TickAsync(Min(_options.Tick, due - Now), stopping);
                    continue;
                }

                await RunWithRetriesAsync(stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            Update(s => s with { Pid = null, RunningSince = null });
            _logger.LogInformation("Agent stopped");
        }
    }

    /// <summary>One scheduled backup, tried again until it completes, the agent is paused or
    /// stopped, or (while it waits to try again) the server answers or the config changes.</summary>
    private async Task RunWithRetriesAsync(CancellationToken stopping)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        using var finished = new CancellationTokenSource();
        var watching = WatchAsync(attempt, finished.Token);
        try
        {
            await _retry.ExecuteAsync(async ct =>
            {
                _waitingToRetry = false;
                await RunOnceAsync(ct);
            }, attempt.Token);
            Update(s => s with { ConsecutiveFailures = 0 });
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            // Paused, or there is reason to try again at once: the loop decides.
        }
        finally
        {
            _waitingToRetry = false;
            await finished.CancelAsync();
            await watching;
        }
    }

    private async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("Backup starting");
        _runStartedAt = Now;
        Update(s => s with { RunningSince = Now, NextRunAt = null, PendingFiles = 0, PendingBytes = 0 });
        var progress = new AgentProgress(_logger, (files, bytes) => Update(s => s with { PendingFiles = files, PendingBytes = bytes }), _cli.Clock,
            _options.RunView?.Invoke());
        try
        {
            var summary = await new BackupJob(_cli).RunAsync([], [], progress, _pace, cancellationToken);
            // The errors stay in agent.json; status shows those since the last complete run.
            Update(s => s with { PendingFiles = 0, PendingBytes = 0 });
            if (!summary.Complete)
            {
                Update(s => s.WithError(Now, $"{summary.Skipped.Count} file(s) could not be backed up; see 'backazon status' or the log."));
            }

            _options.RunEnded?.Invoke(summary.NothingTaken
                ? new AgentRun(_runStartedAt, Now, RunRecord.Failed, $"Nothing was backed up: each of the {summary.Skipped.Count} files to send was skipped.", summary, null)
                : new AgentRun(_runStartedAt, Now, summary.Complete ? RunRecord.Completed : RunRecord.CompletedWithSkips, null, summary, null));
        }
        finally
        {
            Update(s => s with { RunningSince = null });
        }
    }

    private void OnFailure(Exception e, TimeSpan retryIn)
    {
        _lastFailureWasUnreachable = e is BackazonApiException { Status: null or >= 500 };
        _waitingToRetry = true;
        if (e is BackupBusyException)
        {
            _logger.LogInformation("A backup started by hand is running; waiting for it");
            return;
        }

        _logger.LogWarning("Backup failed: {Reason} Trying again in {Delay}", e.Message, retryIn);
        Update(s => s.WithError(Now, e.Message) with { ConsecutiveFailures = s.ConsecutiveFailures + 1, NextRunAt = Now + retryIn });
        _options.RunEnded?.Invoke(new AgentRun(_runStartedAt, Now, RunRecord.Failed, e.Message, null, Now + retryIn));
    }

    /// <summary>While a run goes on or waits to be tried again: stops it when a pause is asked
    /// for, follows the upload rate, and cuts a wait short when it has become pointless.</summary>
    private async Task WatchAsync(CancellationTokenSource attempt, CancellationToken finished)
    {
        var configWritten = ConfigWrittenAt();
        var lastProbe = _cli.Clock.GetTimestamp();
        try
        {
            while (!finished.IsCancellationRequested)
            {
                await Task.Delay(_options.Tick, _cli.Clock, finished);
                if (PauseFile.Active(_cli.State, Now) is not null)
                {
                    _logger.LogInformation("Paused: the backup stops here and goes on from here when resumed");
                    await attempt.CancelAsync();
                    return;
                }

                ApplyPace(SettingsOrNull());
                if (!_waitingToRetry)
                {
                    continue;
                }

                if (ConfigWrittenAt() != configWritten)
                {
                    _logger.LogInformation("The configuration changed: trying again now");
                    await attempt.CancelAsync();
                    return;
                }

                if (_lastFailureWasUnreachable && _cli.Clock.GetElapsedTime(lastProbe) >= _options.ProbeInterval)
                {
                    lastProbe = _cli.Clock.GetTimestamp();
                    if (await ServerAnswersAsync(finished))
                    {
                        _logger.LogInformation("The server answers again: backing up now");
                        await attempt.CancelAsync();
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (finished.IsCancellationRequested)
        {
        }
    }

    private async Task<bool> ServerAnswersAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            using var client = _cli.Client(_cli.RequireDevice().Server, token: null, retry: false);
            await client.HealthAsync(timeout.Token);
            return true;
        }
        catch (Exception e) when (e is BackazonApiException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>This machine's enrollment; an agent started before it (or after it was removed)
    /// says so once and waits for "backazon enroll" rather than exit and be restarted in a loop
    /// by its service manager.</summary>
    private async Task<DeviceConfig> EnrolledDeviceAsync(CancellationToken stopping)
    {
        var said = false;
        while (true)
        {
            try
            {
                return _cli.RequireDevice();
            }
            catch (CliException e) when (!said)
            {
                _logger.LogWarning("{Problem} The agent waits for it.", e.Message);
                said = true;
            }
            catch (CliException)
            {
            }

            await TickAsync(_options.Tick, stopping);
        }
    }

    private void ApplyPace(BackupSettings? settings)
    {
        if (_options.MaxUploadRate is { } fixedRate)
        {
            _pace.BytesPerSecond = fixedRate;
            return;
        }

        var rate = settings is null ? 0 : Logged(() => settings.ResolvedMaxUploadRate() ?? 0, fallback: _pace.BytesPerSecond);
        if (rate != _pace.BytesPerSecond)
        {
            _logger.LogInformation("Upload rate limit now {Rate}", rate == 0 ? "none" : Contracts.ByteSizes.Format(rate) + "/s");
            _pace.BytesPerSecond = rate;
        }
    }

    private TimeSpan? SafeInterval(BackupSettings? settings) =>
        settings is null ? null : Logged(settings.ResolvedInterval, fallback: null, "Backing up once a day meanwhile.");

    /// <summary>The config, or null when it cannot be read now (a half-edited file is logged and
    /// read again next tick; the run itself reports it in plain words).</summary>
    private BackupSettings? SettingsOrNull() => Logged<BackupSettings?>(_cli.Settings, fallback: null);

    private RunRecord? SafeLastRun() => Logged(() => RunRecord.Read(_cli.State), fallback: null);

    /// <summary>What <paramref name="read"/> gives, or <paramref name="fallback"/> when a file the
    /// agent reads is not valid now: said in the log, never a reason for the agent to stop.</summary>
    private T Logged<T>(Func<T> read, T fallback, string meanwhile = "")
    {
        try
        {
            return read();
        }
        catch (CliException e)
        {
            _logger.LogError("{Problem} {Meanwhile}", e.Message, meanwhile);
            return fallback;
        }
    }

    private DateTime? ConfigWrittenAt()
    {
        var file = new FileInfo(_cli.Config.File(BackupSettings.FileName));
        return file.Exists ? file.LastWriteTimeUtc : null;
    }

    private void Update(Func<AgentStatus, AgentStatus> change)
    {
        lock (_statusLock)
        {
            _status = change(_status);
            _status.Write(_cli.State);
        }
    }

    private Task TickAsync(TimeSpan wait, CancellationToken cancellationToken) => Task.Delay(wait, _cli.Clock, cancellationToken);

    private DateTimeOffset Now => _cli.Clock.GetUtcNow();

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}

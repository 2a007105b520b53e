using Cronos;
using Microsoft.Azure.Functions.Worker;

namespace Backazon.LocalHost.Functions;

/// <summary>Runs one timer-triggered function on its six-field NCRONTAB schedule (UTC), with
/// "%SETTING%" resolved from configuration, as the Functions host does.</summary>
public sealed class TimerFunctionScheduler(
    FunctionDescriptor function,
    IServiceScopeFactory scopes,
    IConfiguration configuration,
    TimeProvider clock,
    ILogger<TimerFunctionScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var trigger = (TimerTriggerAttribute)function.Trigger;
        var schedule = CronExpression.Parse(FunctionDescriptor.ResolveSetting(trigger.Schedule, configuration), CronFormat.IncludeSeconds);
        if (trigger.RunOnStartup)
        {
            await RunAsync(stoppingToken);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var now = clock.GetUtcNow();
            var next = schedule.GetNextOccurrence(now, TimeZoneInfo.Utc);
            if (next is null)
            {
                return;
            }

            await Task.Delay(next.Value - now, clock, stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
            if (!stoppingToken.IsCancellationRequested)
            {
                await RunAsync(stoppingToken);
            }
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await function.InvokeAsync(scope.ServiceProvider, p =>
                p.ParameterType == typeof(TimerInfo) ? new TimerInfo()
                : p.ParameterType == typeof(CancellationToken) ? stoppingToken
                : throw new InvalidOperationException($"The local runtime cannot bind parameter '{p.Name}' of a timer function."));
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            // As in the host: a failed run is logged and the next occurrence still fires.
            logger.LogError(e, "Timer function {Function} failed.", function.Name);
        }
    }
}

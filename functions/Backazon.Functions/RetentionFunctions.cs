using Backazon.Backend.Configuration;
using Backazon.Backend.Messages;
using Backazon.Backend.Retention;
using Microsoft.Azure.Functions.Worker;

namespace Backazon.Functions;

/// <summary>Retention: per-file and per-account work from the retention queue, and the daily
/// fan-out of one account sweep per account.</summary>
public sealed class RetentionFunctions(RetentionService retention)
{
    [Function(nameof(ApplyRetention))]
    public Task ApplyRetention(
        [QueueTrigger(StorageNames.RetentionQueue, Connection = AppSettings.DataStorage)] RetentionMessage message,
        CancellationToken cancellationToken) =>
        retention.ProcessAsync(message, cancellationToken);

    [Function(nameof(ScheduleRetention))]
    public Task ScheduleRetention(
        [TimerTrigger("%" + AppSettings.RetentionSchedule + "%")] TimerInfo timer,
        CancellationToken cancellationToken) =>
        retention.FanOutAsync(cancellationToken);
}

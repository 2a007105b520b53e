using Backazon.Backend.Configuration;
using Backazon.Backend.Messages;
using Backazon.Backend.Uploads;
using Microsoft.Azure.Functions.Worker;

namespace Backazon.Functions;

/// <summary>Queue- and timer-triggered cataloging: verify and record committed batches, and
/// settle abandoned uploads.</summary>
public sealed class CatalogFunctions(CommitCataloger cataloger, GrantSweeper sweeper)
{
    [Function(nameof(CatalogCommit))]
    public Task CatalogCommit(
        [QueueTrigger(StorageNames.CatalogQueue, Connection = AppSettings.DataStorage)] CatalogMessage message,
        CancellationToken cancellationToken) =>
        cataloger.CatalogAsync(message, cancellationToken);

    [Function(nameof(SweepGrants))]
    public Task SweepGrants(
        [TimerTrigger("%" + AppSettings.GrantSweepSchedule + "%")] TimerInfo timer,
        CancellationToken cancellationToken) =>
        sweeper.SweepAsync(cancellationToken);
}

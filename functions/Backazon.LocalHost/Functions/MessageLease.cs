using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace Backazon.LocalHost.Functions;

/// <summary>
/// Keeps one received message hidden while its function runs: every renewal interval it extends
/// the message's visibility timeout by one lease (Update Message) and keeps the new pop receipt,
/// which is the one that settles (deletes or fails) the message afterwards.
/// </summary>
public sealed class MessageLease
{
    private readonly QueueClient _queue;
    private readonly QueueMessage _message;
    private readonly CancellationTokenSource _stop;
    private readonly Task _renewing;
    private string _popReceipt;

    private MessageLease(QueueClient queue, QueueMessage message, QueueHostOptions options, TimeProvider clock, ILogger logger, CancellationToken hostStopping)
    {
        _queue = queue;
        _message = message;
        _popReceipt = message.PopReceipt;
        // A stopping (or killed) host stops renewing too, so the message comes back within a lease.
        _stop = CancellationTokenSource.CreateLinkedTokenSource(hostStopping);
        _renewing = RenewAsync(options, clock, logger);
    }

    /// <summary>The pop receipt of the latest renewal: read it only after <see cref="StopAsync"/>.</summary>
    public string PopReceipt => _popReceipt;

    public static MessageLease Start(QueueClient queue, QueueMessage message, QueueHostOptions options, TimeProvider clock, ILogger logger, CancellationToken hostStopping) =>
        new(queue, message, options, clock, logger, hostStopping);

    /// <summary>Stops renewing and waits for a renewal in progress, so the pop receipt is final.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _renewing;
        _stop.Dispose();
    }

    private async Task RenewAsync(QueueHostOptions options, TimeProvider clock, ILogger logger)
    {
        try
        {
            while (true)
            {
                await Task.Delay(options.LeaseRenewalInterval, clock, _stop.Token);
                try
                {
                    // Not cancelled mid-request: an update the service applied but whose answer we
                    // dropped would leave a stale pop receipt, and the message unsettleable.
                    var receipt = await _queue.UpdateMessageAsync(_message.MessageId, _popReceipt, visibilityTimeout: options.ProcessingLease,
                        cancellationToken: CancellationToken.None);
                    _popReceipt = receipt.Value.PopReceipt;
                }
                catch (RequestFailedException e) when (e.Status == 404)
                {
                    // Gone, or received by another consumer after its lease lapsed: it will run
                    // again there (functions are idempotent). Nothing left to renew.
                    logger.LogWarning("Message {Id} on {Queue} was no longer ours to renew; it may be delivered again.", _message.MessageId, _queue.Name);
                    return;
                }
                catch (RequestFailedException e)
                {
                    // Storage hiccup: the lease still has two renewals' worth of time; try again.
                    logger.LogWarning(e, "Renewing the lease of message {Id} on {Queue} failed; retrying.", _message.MessageId, _queue.Name);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The function ended, or the host is stopping.
        }
    }
}

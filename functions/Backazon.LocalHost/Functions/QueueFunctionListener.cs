using System.Reflection;
using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Backazon.Backend.Configuration;
using Backazon.Backend.Storage;
using Microsoft.Azure.Functions.Worker;

namespace Backazon.LocalHost.Functions;

/// <summary>
/// Runs one queue-triggered function the way the Functions host does: messages received in
/// batches, a new batch fetched as soon as no more than newBatchThreshold are still running; each
/// hidden for a short lease that is renewed while its function runs; deleted on success, made
/// visible again after a failure, and moved to "{queue}-poison" once its dequeue count reaches
/// maxDequeueCount. A killed host renews nothing, so its messages come back within a lease.
/// </summary>
public sealed class QueueFunctionListener(
    FunctionDescriptor function,
    StorageClients storage,
    IServiceScopeFactory scopes,
    IConfiguration configuration,
    QueueHostOptions options,
    TimeProvider clock,
    ILogger<QueueFunctionListener> logger) : BackgroundService
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var trigger = (QueueTriggerAttribute)function.Trigger;
        var queueName = FunctionDescriptor.ResolveSetting(trigger.QueueName, configuration);
        if (trigger.Connection is not null && trigger.Connection != AppSettings.DataStorage)
        {
            throw new InvalidOperationException($"Function {function.Name}: the local runtime serves only the '{AppSettings.DataStorage}' connection.");
        }

        var queue = storage.Queues.GetQueueClient(queueName);
        var poison = storage.Queues.GetQueueClient(queueName + StorageNames.PoisonSuffix);
        await queue.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
        await poison.CreateIfNotExistsAsync(cancellationToken: stoppingToken);

        // Only this loop adds and removes; each task settles its own message and never throws.
        var running = new HashSet<Task>();
        var idleDelay = MinPollingInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            running.RemoveWhere(t => t.IsCompleted);
            if (running.Count > options.NewBatchThreshold)
            {
                running.Remove(await Task.WhenAny(running));
                continue;
            }

            QueueMessage[] messages;
            try
            {
                messages = (await queue.ReceiveMessagesAsync(options.BatchSize, options.ProcessingLease, stoppingToken)).Value;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Azure.RequestFailedException e)
            {
                // Storage unavailable for a moment: poll again after the longest idle wait.
                logger.LogWarning(e, "Polling {Queue} failed; retrying.", queueName);
                await Task.Delay(options.MaxPollingInterval, clock, stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
                continue;
            }

            if (messages.Length == 0)
            {
                // Idle: back off, doubling up to the host's maxPollingInterval.
                await Task.Delay(idleDelay, clock, stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
                idleDelay = TimeSpan.FromTicks(Math.Min(idleDelay.Ticks * 2, options.MaxPollingInterval.Ticks));
                continue;
            }

            idleDelay = MinPollingInterval;
            foreach (var message in messages)
            {
                running.Add(ProcessAsync(queue, poison, message, stoppingToken));
            }
        }

        // Stopping: the functions saw the cancelled token; let them end before the host does.
        await Task.WhenAll(running);
    }

    private async Task ProcessAsync(QueueClient queue, QueueClient poison, QueueMessage message, CancellationToken stoppingToken)
    {
        var lease = MessageLease.Start(queue, message, options, clock, logger, stoppingToken);
        Exception? failure = null;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await function.InvokeAsync(scope.ServiceProvider, p => Bind(p, message, stoppingToken));
        }
        catch (Exception e)
        {
            failure = e;
        }

        // Settle with the latest pop receipt, never racing a renewal.
        await lease.StopAsync();
        if (failure is not null && stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the message becomes visible again when its lease ends, as in the host.
            logger.LogDebug(failure, "{Function} interrupted by shutdown; message {Id} will be retried.", function.Name, message.MessageId);
            return;
        }

        try
        {
            if (failure is null)
            {
                await queue.DeleteMessageAsync(message.MessageId, lease.PopReceipt, CancellationToken.None);
            }
            else
            {
                await FailAsync(queue, poison, message, lease.PopReceipt, failure);
            }
        }
        catch (Exception settling)
        {
            // The lease will expire and the message come back: a failure here loses nothing.
            logger.LogError(settling, "Could not settle message {Id} of {Function}.", message.MessageId, function.Name);
        }
    }

    private async Task FailAsync(QueueClient queue, QueueClient poison, QueueMessage message, string popReceipt, Exception error)
    {
        if (message.DequeueCount >= options.MaxDequeueCount)
        {
            logger.LogError(error, "{Function} failed {Count} times on message {Id}; moved to {Poison}.",
                function.Name, message.DequeueCount, message.MessageId, poison.Name);
            await poison.SendMessageAsync(message.Body, cancellationToken: CancellationToken.None);
            await queue.DeleteMessageAsync(message.MessageId, popReceipt, CancellationToken.None);
        }
        else
        {
            logger.LogWarning(error, "{Function} failed on message {Id} (attempt {Count}); it will be retried.",
                function.Name, message.DequeueCount, message.MessageId);
            await queue.UpdateMessageAsync(message.MessageId, popReceipt, visibilityTimeout: options.VisibilityTimeout,
                cancellationToken: CancellationToken.None);
        }
    }

    private static object? Bind(ParameterInfo parameter, QueueMessage message, CancellationToken cancellationToken)
    {
        var type = parameter.ParameterType;
        if (type == typeof(CancellationToken))
        {
            return cancellationToken;
        }

        if (parameter.GetCustomAttribute<QueueTriggerAttribute>() is null)
        {
            return parameter.HasDefaultValue
                ? parameter.DefaultValue
                : throw new InvalidOperationException($"The local runtime cannot bind parameter '{parameter.Name}' of a queue function.");
        }

        if (type == typeof(string))
        {
            return message.Body.ToString();
        }

        if (type == typeof(BinaryData))
        {
            return message.Body;
        }

        return type == typeof(QueueMessage) ? message : JsonSerializer.Deserialize(message.Body.ToMemory().Span, type, Json);
    }
}

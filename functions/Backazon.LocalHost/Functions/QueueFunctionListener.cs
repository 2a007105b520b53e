using System.Reflection;
using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Backazon.Backend.Configuration;
using Backazon.Backend.Storage;
using Microsoft.Azure.Functions.Worker;

namespace Backazon.LocalHost.Functions;

/// <summary>
/// Runs one queue-triggered function the way the Functions host does: batches of messages, each
/// hidden while it is processed, deleted on success, made visible again after a failure, and
/// moved to "{queue}-poison" once its dequeue count reaches maxDequeueCount.
/// </summary>
public sealed class QueueFunctionListener(
    FunctionDescriptor function,
    StorageClients storage,
    IServiceScopeFactory scopes,
    IConfiguration configuration,
    QueueHostOptions options,
    ILogger<QueueFunctionListener> logger) : BackgroundService
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

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

        var idleDelay = TimeSpan.FromMilliseconds(100);
        while (!stoppingToken.IsCancellationRequested)
        {
            QueueMessage[] messages;
            try
            {
                messages = (await queue.ReceiveMessagesAsync(options.BatchSize, options.ProcessingLease, stoppingToken)).Value;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Azure.RequestFailedException e)
            {
                // Storage unavailable for a moment: poll again after the longest idle wait.
                logger.LogWarning(e, "Polling {Queue} failed; retrying.", queueName);
                await Task.Delay(options.MaxPollingInterval, stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
                continue;
            }

            if (messages.Length == 0)
            {
                // Idle: back off, doubling up to the host's maxPollingInterval.
                await Task.Delay(idleDelay, stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
                idleDelay = TimeSpan.FromTicks(Math.Min(idleDelay.Ticks * 2, options.MaxPollingInterval.Ticks));
                continue;
            }

            idleDelay = TimeSpan.FromMilliseconds(100);
            await Task.WhenAll(messages.Select(m => ProcessAsync(queue, poison, m, stoppingToken)));
        }
    }

    private async Task ProcessAsync(QueueClient queue, QueueClient poison, QueueMessage message, CancellationToken stoppingToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await function.InvokeAsync(scope.ServiceProvider, p => Bind(p, message, stoppingToken));
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
        }
        catch (Exception e) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the message becomes visible again when its lease ends, as in the host.
            logger.LogDebug(e, "{Function} interrupted by shutdown; message {Id} will be retried.", function.Name, message.MessageId);
        }
        catch (Exception e)
        {
            try
            {
                await FailAsync(queue, poison, message, e);
            }
            catch (Exception settling)
            {
                // The lease will expire and the message come back: a failure here loses nothing.
                logger.LogError(settling, "Could not settle failed message {Id} of {Function}.", message.MessageId, function.Name);
            }
        }
    }

    private async Task FailAsync(QueueClient queue, QueueClient poison, QueueMessage message, Exception error)
    {
        if (message.DequeueCount >= options.MaxDequeueCount)
        {
            logger.LogError(error, "{Function} failed {Count} times on message {Id}; moved to {Poison}.",
                function.Name, message.DequeueCount, message.MessageId, poison.Name);
            await poison.SendMessageAsync(message.Body, cancellationToken: CancellationToken.None);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
        }
        else
        {
            logger.LogWarning(error, "{Function} failed on message {Id} (attempt {Count}); it will be retried.",
                function.Name, message.MessageId, message.DequeueCount);
            await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: options.VisibilityTimeout,
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

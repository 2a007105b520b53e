using System.Text.Json;
using Azure.Storage.Queues;
using Backazon.Backend.Configuration;
using Backazon.Backend.Storage;

namespace Backazon.Backend.Messages;

/// <summary>
/// Work on the retention queue. With <paramref name="Paths"/>: apply the policy to those files of
/// one device (queued after cataloging). Without: sweep the whole account (queued by the daily
/// timer); <paramref name="After"/> is where a sweep that ran out of time resumes (the last
/// catalog partition it finished, or a purge step), and <paramref name="PassStartedAt"/> when
/// that consistency pass began (storage time, for the references it did not see).
/// </summary>
public sealed record RetentionMessage(string AccountId, string? DeviceId = null, IReadOnlyList<string>? Paths = null, string? After = null,
    DateTimeOffset? PassStartedAt = null)
{
    /// <summary>Queue messages hold 64 KB (Base64 takes a third): keep the JSON under this.</summary>
    public const int MaxJsonBytes = 48 * 1024;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>One message per group of paths whose JSON stays under <see cref="MaxJsonBytes"/>.</summary>
    public static IEnumerable<RetentionMessage> ForFiles(string accountId, string deviceId, IEnumerable<string> paths)
    {
        var batch = new List<string>();
        var size = 256; // the envelope, generously
        foreach (var path in paths.Distinct(StringComparer.Ordinal))
        {
            // A JSON-escaped character takes at most 6 bytes (\uXXXX).
            var cost = JsonSerializer.SerializeToUtf8Bytes(path, Json).Length + 1;
            if (batch.Count > 0 && size + cost > MaxJsonBytes)
            {
                yield return new RetentionMessage(accountId, deviceId, batch);
                batch = [];
                size = 256;
            }

            batch.Add(path);
            size += cost;
        }

        if (batch.Count > 0)
        {
            yield return new RetentionMessage(accountId, deviceId, batch);
        }
    }
}

/// <summary>Where retention work is sent: the storage queue in the app; a list in tests that
/// drive retention by hand with a moved clock.</summary>
public interface IRetentionQueue
{
    Task SendAsync(RetentionMessage message, CancellationToken cancellationToken = default);
}

public sealed class StorageRetentionQueue(StorageClients storage) : IRetentionQueue
{
    private readonly QueueClient _queue = storage.Queues.GetQueueClient(StorageNames.RetentionQueue);

    public Task SendAsync(RetentionMessage message, CancellationToken cancellationToken = default) =>
        _queue.SendMessageAsync(BinaryData.FromObjectAsJson(message, RetentionMessage.Json), cancellationToken: cancellationToken);
}

using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;

namespace Backazon.IntegrationTests.Infrastructure;

/// <summary>
/// Counts the backend's storage requests by kind ("PUT blob", "GET table", "POST queue" ...),
/// from a pipeline policy on its clients. Queue polling (receiving messages) is left out: it
/// costs time, not work, and how often it runs depends on the clock, not on the files.
/// </summary>
public sealed class StorageRequestCounter : HttpPipelineSynchronousPolicy
{
    private readonly ConcurrentDictionary<string, int> _counts = new();
    private readonly ConcurrentQueue<string> _scans = new();
    private readonly ConcurrentQueue<string> _crossPartition = new();
    private readonly ConcurrentDictionary<string, int> _rowsRead = new();

    private long _blobBytesRead;

    /// <summary>Bytes of blob bodies the backend downloaded since the last reset.</summary>
    public long BlobBytesRead => Interlocked.Read(ref _blobBytesRead);

    public override void OnReceivedResponse(HttpMessage message)
    {
        if (message.Request.Method == RequestMethod.Get && message.Request.Uri.Port == BlobPort && message.Response.Status is 200 or 206)
        {
            Interlocked.Add(ref _blobBytesRead, message.Response.Headers.ContentLength ?? 0);
        }
        else if (message.Request.Method == RequestMethod.Get && message.Response.Status == 200 && message.Response.ContentStream is { CanSeek: true } body
            && TableOf(message.Request.Uri.Path) is { } table)
        {
            // A query answers {"value": [rows]}; a point read, one row. (Table answers are
            // buffered before the policies see them, so reading here takes nothing from the caller.)
            var at = body.Position;
            using var json = System.Text.Json.JsonDocument.Parse(body);
            body.Position = at;
            var rows = json.RootElement.TryGetProperty("value", out var value) ? value.GetArrayLength() : 1;
            _rowsRead.AddOrUpdate(table, rows, (_, n) => n + rows);
        }
    }

    /// <summary>Table rows the backend read since the last reset, of one table.</summary>
    public int RowsReadOf(string table) => _rowsRead.GetValueOrDefault(table);

    private static string? TableOf(string path) =>
        System.Text.RegularExpressions.Regex.Match(path, @"^/?(?:[^/(]+/)?([A-Za-z][A-Za-z0-9]*)\(") is { Success: true } m ? m.Groups[1].Value : null;

    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        var path = request.Uri.Path;
        var service = path.Contains("/messages", StringComparison.Ordinal) ? "queue"
            : request.Uri.Port == BlobPort ? "blob"
            : "table";
        if (service == "queue" && request.Method == RequestMethod.Get)
        {
            return;
        }

        _counts.AddOrUpdate($"{request.Method} {service}", 1, (_, n) => n + 1);
        if (service == "table" && request.Method == RequestMethod.Get && Uri.UnescapeDataString(request.Uri.Query) is var query
            && !query.Contains("PartitionKey", StringComparison.Ordinal) && !path.Contains("PartitionKey=", StringComparison.Ordinal))
        {
            // A query no partition key bounds reads every partition of the table, in Azure.
            _scans.Enqueue(query);
        }
        else if (service == "table" && request.Method == RequestMethod.Get && Uri.UnescapeDataString(request.Uri.Query) is var ranged
            && ranged.Contains("PartitionKey", StringComparison.Ordinal) && !ranged.Contains("PartitionKey eq", StringComparison.Ordinal))
        {
            // A range of partitions (an account's whole catalog): bounded, but by what is stored.
            _crossPartition.Enqueue(path + ranged);
        }
    }

    /// <summary>Table reads bounded by no partition key (their queries), since the last reset.</summary>
    public IReadOnlyCollection<string> Scans => _scans;

    /// <summary>Reads of a table over a range of partitions rather than one, since the last reset.</summary>
    public IReadOnlyCollection<string> CrossPartitionReadsOf(string table) =>
        _crossPartition.Where(r => r.Contains($"/{table}(", StringComparison.Ordinal)).ToList();

    /// <summary>The blob endpoint's port (set by the fixture), which tells blob requests apart.</summary>
    public int BlobPort { get; set; }

    /// <summary>A counter for the clients of one storage (a connection string).</summary>
    public static StorageRequestCounter For(string connectionString) =>
        new() { BlobPort = new Azure.Storage.Blobs.BlobServiceClient(connectionString).Uri.Port };

    public int Total => _counts.Values.Sum();

    /// <summary>The requests of one kind ("GET table", "PUT blob", ...) since the last reset.</summary>
    public int Of(string kind) => _counts.GetValueOrDefault(kind);

    public void Reset()
    {
        Interlocked.Exchange(ref _blobBytesRead, 0);
        _counts.Clear();
        _scans.Clear();
        _crossPartition.Clear();
        _rowsRead.Clear();
    }

    public string Describe() => string.Join(", ", _counts.OrderByDescending(c => c.Value).Select(c => $"{c.Key}: {c.Value}"))
        + (_rowsRead.IsEmpty ? "" : "; rows read: " + string.Join(", ", _rowsRead.OrderBy(r => r.Key).Select(r => $"{r.Key} {r.Value}")));

    /// <summary>The storage whose queues <see cref="FewestAsync"/> waits to be empty (set by the
    /// counted backend).</summary>
    public string? QueuesConnectionString { get; set; }

    /// <summary>The storage requests one call costs, the fewest of three tries: the counter sees
    /// the backend's own background work too (the cataloger, its timers), which can only add to a
    /// count, never take from it.</summary>
    public async Task<(int Count, string Seen)> FewestAsync(Func<Task> call)
    {
        // Work queued by earlier tests of the shared backend (cataloging, retention) would be
        // counted with the call's own: it is awaited first, and the fewest of three tries kept.
        if (QueuesConnectionString is { } storage)
        {
            var queues = new Azure.Storage.Queues.QueueServiceClient(storage);
            await Eventually.HoldsAsync(async () =>
            {
                await foreach (var queue in queues.GetQueuesAsync())
                {
                    if (!queue.Name.EndsWith("-poison", StringComparison.Ordinal) && (await queues.GetQueueClient(queue.Name).GetPropertiesAsync()).Value.ApproximateMessagesCount > 0)
                    {
                        return false;
                    }
                }

                return true;
            }, "the backend's queues empty before counting", timeoutSeconds: 120);
        }

        (int Count, string Seen) fewest = (int.MaxValue, "");
        for (var i = 0; i < 3; i++)
        {
            Reset();
            await call();
            if (Total < fewest.Count)
            {
                fewest = (Total, Describe());
            }
        }

        return fewest;
    }
}

/// <summary>A backend of its own whose storage requests are counted.</summary>
public sealed class CountedBackendFixture : BackendFixture
{
    public StorageRequestCounter Requests { get; } = new();

    /// <summary>Disarmed unless a test arms it: then the next table transaction loses its race.</summary>
    public AccountRowRace AccountRace { get; private set; } = null!;

    protected override void Configure(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder)
    {
        Requests.BlobPort = new Uri(new Azure.Storage.Blobs.BlobServiceClient(ConnectionString).Uri.ToString()).Port;
        Requests.QueuesConnectionString = ConnectionString;
        AccountRace = new AccountRowRace(ConnectionString);
        builder.Services.AddSingleton<HttpPipelinePolicy>(Requests);
        builder.Services.AddSingleton<HttpPipelinePolicy>(AccountRace);
    }
}

[CollectionDefinition(Name)]
public sealed class CountedBackendCollection : ICollectionFixture<CountedBackendFixture>
{
    public const string Name = "counted backend";
}

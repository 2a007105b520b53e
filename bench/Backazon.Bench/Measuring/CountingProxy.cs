using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Backazon.Bench.Measuring;

/// <summary>
/// A plain HTTP/1.1 reverse proxy on a free loopback port, in front of one upstream (an Azurite
/// service, or the backend's API), that counts every request and its bytes both ways per
/// <see cref="Party"/>. Every tool is pointed at it, so all are measured the same way, outside
/// themselves. Bytes are bodies exactly plus the request line and headers as parsed (within a
/// few bytes of the wire; no TLS on loopback). Given a <see cref="NetworkLink"/>, it delays and
/// paces the clients' requests and answers as that line would.
/// </summary>
public sealed class CountingProxy : IAsyncDisposable
{
    // Hop-by-hop headers are the connection's, not the request's; Kestrel and HttpClient set their own.
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Expect", "Upgrade", "Proxy-Connection", "TE", "Trailer", "Host",
    };

    private readonly WebApplication _app;
    private readonly HttpMessageInvoker _upstream;
    private readonly Uri _upstreamBase;
    private readonly Func<HttpRequest, Party> _classify;
    private readonly NetworkLink? _link;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _connectionsSeen = new();
    private readonly Dictionary<Party, TrafficCounter> _counters = Enum.GetValues<Party>().ToDictionary(p => p, _ => new TrafficCounter());
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _backendKinds = new(StringComparer.Ordinal);

    private CountingProxy(WebApplication app, Uri upstreamBase, Func<HttpRequest, Party> classify, NetworkLink? link)
    {
        _link = link;
        _app = app;
        _upstreamBase = upstreamBase;
        _classify = classify;
        _upstream = new HttpMessageInvoker(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        });
        app.Run(ForwardAsync);
    }

    /// <summary>The proxy's address: use it in place of the upstream's (same paths).</summary>
    public Uri Address { get; private set; } = null!;

    public Traffic Of(Party party) => _counters[party].Total;

    /// <summary>The backend's requests so far by kind (<see cref="RequestKind"/>, then the status
    /// when it was a refusal: "POST batch 412").</summary>
    public IReadOnlyDictionary<string, long> BackendKinds => _backendKinds.ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal);

    /// <summary>What a storage request does, coarsely: its method, then a table's point read or
    /// query or batch, or a blob's or queue's <c>comp</c>: "GET point", "POST batch", "PUT snapshot".</summary>
    public static string RequestKind(HttpRequest request)
    {
        var path = Uri.UnescapeDataString(request.Path.Value ?? "");
        var what = path.Contains("$batch", StringComparison.Ordinal) ? "batch"
            : path.Contains("(PartitionKey=", StringComparison.Ordinal) ? "point"
            : request.Query.ContainsKey("$filter") ? "query"
            : path.Contains("/messages", StringComparison.Ordinal) ? "messages"
            : request.Query["comp"].ToString();
        return $"{request.Method} {what}".TrimEnd();
    }

    /// <param name="upstream">scheme, host and port of the service behind it</param>
    /// <param name="classify">who sent a request</param>
    /// <param name="link">the line a client's requests cross (the backend's never do), or none</param>
    public static async Task<CountingProxy> StartAsync(Uri upstream, Func<HttpRequest, Party> classify, NetworkLink? link = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = null; // blocks and whole-file puts of any size
            k.Limits.MaxRequestHeadersTotalSize = 256 * 1024;
            k.Limits.MinRequestBodyDataRate = null;
            k.Limits.MinResponseDataRate = null;
        });
        var proxy = new CountingProxy(builder.Build(), new Uri(upstream.GetLeftPart(UriPartial.Authority)), classify, link);
        await proxy._app.StartAsync();
        proxy.Address = new Uri(proxy._app.Urls.First());
        return proxy;
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        var party = _classify(request);
        var counter = _counters[party];
        var link = party == Party.Client ? _link : null;
        // The raw target keeps the client's exact escaping: signatures cover the path.
        var target = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        var requestHead = request.Method.Length + target.Length + 11 + HeaderBytes(request.Headers);
        counter.CountRequest(requestHead);
        if (link is not null)
        {
            if (_connectionsSeen.TryAdd(context.Connection.Id, true))
            {
                await link.HandshakesAsync(context.RequestAborted);
            }

            await link.Up.SendAsync(requestHead, context.RequestAborted);
            await link.HalfTripAsync(context.RequestAborted);
        }

        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(_upstreamBase, target));
        // Azurite compares a copy source's host with the Host it was called on: keep the client's.
        forward.Headers.Host = request.Host.Value;
        if (request.ContentLength is not null || request.Headers.TransferEncoding.Count > 0)
        {
            forward.Content = new StreamContent(new CountingStream(request.Body, counter.CountSent, link?.Up));
        }

        foreach (var (name, values) in request.Headers)
        {
            if (HopByHop.Contains(name))
            {
                continue;
            }

            if (!forward.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                forward.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        using var response = await _upstream.SendAsync(forward, context.RequestAborted);
        if (link is not null)
        {
            await link.HalfTripAsync(context.RequestAborted);
        }

        context.Response.StatusCode = (int)response.StatusCode;
        if (party == Party.Backend)
        {
            // A refusal (a 409 of a folder known already, a 412 of a lost race) is counted apart.
            var kind = RequestKind(request) + (context.Response.StatusCode >= 400 ? $" {context.Response.StatusCode}" : "");
            _backendKinds.AddOrUpdate(kind, 1, (_, n) => n + 1);
        }
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHop.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        var responseHead = 17 + HeaderBytes(context.Response.Headers);
        counter.CountReceived(responseHead);
        if (link is not null)
        {
            await link.Down.SendAsync(responseHead, context.RequestAborted);
        }

        await response.Content.CopyToAsync(new CountingStream(context.Response.Body, counter.CountReceived, link?.Down), context.RequestAborted);
    }

    private static long HeaderBytes(IHeaderDictionary headers) =>
        2 + headers.Sum(h => h.Value.Sum(v => h.Key.Length + (v?.Length ?? 0) + 4));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}

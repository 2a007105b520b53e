using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using Backazon.Bench.Measuring;
using Backazon.LocalHost.Azurite;

namespace Backazon.Bench;

/// <summary>
/// Everything the tools run against, on loopback only: Azurite on disk (free ports), a counting
/// proxy in front of each of its services, the local backend as its own process (it reaches
/// storage through the proxies, so the SAS URLs it signs send devices through them too), and a
/// counting proxy in front of the backend's API.
/// </summary>
public sealed class BenchEnvironment : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private Process? _backend;
    private NetworkLink? _link;

    private BenchEnvironment(string work) => Work = work;

    public string Work { get; }
    public AzuriteProcess Azurite { get; private set; } = null!;
    public CountingProxy Blobs { get; private set; } = null!;
    public CountingProxy Queues { get; private set; } = null!;
    public CountingProxy Tables { get; private set; } = null!;
    public CountingProxy Api { get; private set; } = null!;

    /// <summary>The backend's process, whose CPU a step uses besides the tool's (and Azurite's).</summary>
    public int BackendProcess { get; private set; }

    /// <summary>CPU time used so far by the backend and by Azurite.</summary>
    public (TimeSpan Backend, TimeSpan Azurite) ServerCpuSoFar() => (ServerCpu.Of([BackendProcess]), ServerCpu.Of([Azurite.ProcessId]));

    /// <summary>The backend itself, past the proxy: where the web page is served and its sign-in returns.</summary>
    public Uri Backend { get; private set; } = null!;

    /// <summary>The account <see cref="EnrollmentCodeAsync"/> opened.</summary>
    public string? AccountId { get; private set; }

    /// <summary>Storage as the tools see it: the blob endpoint is the proxy.</summary>
    public string ProxiedConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AzuriteProcess.AccountName};AccountKey={AzuriteProcess.AccountKey};" +
        $"BlobEndpoint={Blobs.Address}{AzuriteProcess.AccountName};QueueEndpoint={Queues.Address}{AzuriteProcess.AccountName};" +
        $"TableEndpoint={Tables.Address}{AzuriteProcess.AccountName};";

    /// <summary>The client's and the backend's traffic so far, over every proxy.</summary>
    public (Traffic Client, Traffic Backend) Traffic()
    {
        CountingProxy[] storage = [Blobs, Queues, Tables];
        return (storage.Aggregate(Api.Of(Party.Client), (sum, p) => sum + p.Of(Party.Client)),
            storage.Aggregate(Measuring.Traffic.None, (sum, p) => sum + p.Of(Party.Backend)));
    }

    /// <summary>The backend's storage requests so far by service and kind ("table GET point").</summary>
    public IReadOnlyDictionary<string, long> BackendRequestKinds() =>
        new[] { ("blob", Blobs), ("queue", Queues), ("table", Tables) }
            .SelectMany(s => s.Item2.BackendKinds.Select(k => (Kind: $"{s.Item1} {k.Key}", Count: k.Value)))
            .ToDictionary(k => k.Kind, k => k.Count, StringComparer.Ordinal);

    /// <param name="link">the line between the tools and everything else (the backend's own
    /// storage traffic does not cross it), or none: loopback</param>
    public static async Task<BenchEnvironment> StartAsync(string work, string localHostDll, NetworkLink? link = null)
    {
        var environment = new BenchEnvironment(work) { _link = link };
        await environment.StartStorageAsync();
        await environment.StartBackendAsync(localHostDll);
        return environment;
    }

    private async Task StartStorageAsync()
    {
        Azurite = await AzuriteProcess.StartAsync(new AzuriteOptions(Location: Path.Combine(Work, "azurite")));
        _owned.Add(Azurite);
        Blobs = await Own(CountingProxy.StartAsync(Azurite.BlobEndpoint, ClassifyStorageRequest, _link));
        Queues = await Own(CountingProxy.StartAsync(Azurite.QueueEndpoint, ClassifyStorageRequest, _link));
        Tables = await Own(CountingProxy.StartAsync(Azurite.TableEndpoint, ClassifyStorageRequest, _link));
    }

    /// <summary>Account-key signed calls are the backend's (tools only hold SAS URLs); so are
    /// Azurite's own checks of a copy source the backend named (axios is its HTTP client).</summary>
    private static Party ClassifyStorageRequest(Microsoft.AspNetCore.Http.HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith("SharedKey", StringComparison.Ordinal)
        || request.Headers.UserAgent.ToString().Contains("axios", StringComparison.OrdinalIgnoreCase)
            ? Party.Backend
            : Party.Client;

    private async Task StartBackendAsync(string localHostDll)
    {
        var port = FreePort();
        var data = Path.Combine(Work, "backend");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[localHostDll, "--port", port.ToString(), "--data", data])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DataStorage"] = ProxiedConnectionString;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        // One line per commit with its check and catalog times, for reading where a step went.
        start.Environment["Logging__LogLevel__Backazon.Backend.Uploads.CommitCataloger"] = "Information";
        start.Environment["DOTNET_NOLOGO"] = "1";
        _backend = Process.Start(start)!;
        var log = File.CreateText(Path.Combine(Work, "backend.log"));
        log.AutoFlush = true; // the backend is killed at the end: what it said is on disk by then
        _backend.OutputDataReceived += (_, e) => { lock (log) { log.WriteLine(e.Data); } };
        _backend.ErrorDataReceived += (_, e) => { lock (log) { log.WriteLine(e.Data); } };
        _backend.BeginOutputReadLine();
        _backend.BeginErrorReadLine();

        var address = new Uri($"http://127.0.0.1:{port}/");
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            if (_backend.HasExited)
            {
                throw new InvalidOperationException($"The backend exited at start (code {_backend.ExitCode}); see {Path.Combine(Work, "backend.log")}.");
            }

            try
            {
                if ((await http.GetAsync(new Uri(address, "api/health"))).IsSuccessStatusCode && File.Exists(Path.Combine(data, "operator.key")))
                {
                    break;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            await Task.Delay(200);
        }

        Backend = address;
        Api = await Own(CountingProxy.StartAsync(address, _ => Party.Client, _link));
        BackendProcess = _backend.Id;
    }

    /// <summary>An account on the personal plan and a single-use enrollment code, through the
    /// operator API with the key the backend made in its data folder.</summary>
    public async Task<string> EnrollmentCodeAsync()
    {
        using var http = await OperatorAsync();
        var account = await Json(await http.PostAsJsonAsync("admin/accounts", new { name = "Bench", plan = "personal" }));
        AccountId = account["id"]!.GetValue<string>();
        var code = await Json(await http.PostAsync($"admin/accounts/{account["id"]}/enrollment-codes", null));
        return code["code"]!.GetValue<string>();
    }

    /// <summary>An invitation to <see cref="AccountId"/>'s account: the link a person opens to join it.</summary>
    public async Task<string> InvitationLinkAsync(string email)
    {
        using var http = await OperatorAsync();
        var invitation = await Json(await http.PostAsJsonAsync($"admin/accounts/{AccountId}/invitations", new { email }));
        return invitation["link"]!.GetValue<string>();
    }

    private async Task<HttpClient> OperatorAsync()
    {
        var key = (await File.ReadAllTextAsync(Path.Combine(Work, "backend", "operator.key"))).Trim();
        var http = new HttpClient { BaseAddress = new Uri(Api.Address, "api/") };
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return http;
    }

    private static async Task<JsonNode> Json(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? JsonNode.Parse(body)! : throw new InvalidOperationException($"{(int)response.StatusCode}: {body}");
    }

    /// <summary>A container for a peer tool, and a SAS URL for it through the blob proxy.</summary>
    public async Task<Uri> ContainerSasUrlAsync(string name)
    {
        var container = new BlobContainerClient(ProxiedConnectionString, name);
        await container.CreateIfNotExistsAsync();
        return container.GenerateSasUri(BlobContainerSasPermissions.All, DateTimeOffset.UtcNow.AddDays(1));
    }

    /// <summary>The same SAS URL straight to Azurite, past the proxy (signatures do not cover the host).</summary>
    public Uri DirectContainerSasUrl(Uri proxied) =>
        new UriBuilder(proxied) { Port = Azurite.BlobEndpoint.Port }.Uri;

    private async Task<T> Own<T>(Task<T> starting) where T : IAsyncDisposable
    {
        var started = await starting;
        _owned.Add(started);
        return started;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_backend is { HasExited: false })
        {
            _backend.Kill(entireProcessTree: true);
            await _backend.WaitForExitAsync();
        }

        _backend?.Dispose();
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Backazon.LocalHost.Azurite;

/// <summary>How to start Azurite: where its data lives (null: in memory), and the certificate
/// and key that switch it to HTTPS with OAuth (needed to exercise user delegation SAS).</summary>
public sealed record AzuriteOptions(string? Location = null, string? CertificatePath = null, string? KeyPath = null)
{
    public bool OAuth => CertificatePath is not null;
}

/// <summary>
/// A running Azurite (Blob, Queue, Table) on free loopback ports, installed with npm on first
/// use. Stopped with SIGTERM so it saves its state, then killed if it lingers.
/// </summary>
public sealed partial class AzuriteProcess : IAsyncDisposable
{
    public const string AccountName = "devstoreaccount1";

    // Azurite's fixed, publicly documented development key: not a secret.
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;
    private readonly StringBuilder _output;

    private AzuriteProcess(Process process, StringBuilder output, int blobPort, int queuePort, int tablePort, bool https)
    {
        _process = process;
        _output = output;
        var scheme = https ? "https" : "http";
        BlobEndpoint = new Uri($"{scheme}://127.0.0.1:{blobPort}/{AccountName}");
        QueueEndpoint = new Uri($"{scheme}://127.0.0.1:{queuePort}/{AccountName}");
        TableEndpoint = new Uri($"{scheme}://127.0.0.1:{tablePort}/{AccountName}");
    }

    public Uri BlobEndpoint { get; }
    public Uri QueueEndpoint { get; }
    public Uri TableEndpoint { get; }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol={BlobEndpoint.Scheme};AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint={BlobEndpoint};QueueEndpoint={QueueEndpoint};TableEndpoint={TableEndpoint};";

    /// <summary>Starts Azurite on free ports. A free port is only free until someone takes it:
    /// when another process takes one between the choice and Azurite's bind (EADDRINUSE), it
    /// starts again on other ports, a few times.</summary>
    public static async Task<AzuriteProcess> StartAsync(AzuriteOptions options, CancellationToken cancellationToken = default)
    {
        var executable = await AzuriteInstaller.EnsureInstalledAsync(cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var azurite = Launch(executable, options);
            try
            {
                await azurite.WaitUntilListeningAsync(azurite.Ports, cancellationToken);
                return azurite;
            }
            catch (InvalidOperationException) when (attempt < 5 && azurite.Output.Contains("EADDRINUSE", StringComparison.Ordinal))
            {
                await azurite.DisposeAsync();
            }
        }
    }

    private int[] Ports => [BlobEndpoint.Port, QueueEndpoint.Port, TableEndpoint.Port];

    private static AzuriteProcess Launch(string executable, AzuriteOptions options)
    {
        int[] ports = [FreePort(), FreePort(), FreePort()];
        var arguments = new List<string>
        {
            "--skipApiVersionCheck", "--loose", "--disableTelemetry",
            "--blobHost", "127.0.0.1", "--blobPort", ports[0].ToString(),
            "--queueHost", "127.0.0.1", "--queuePort", ports[1].ToString(),
            "--tableHost", "127.0.0.1", "--tablePort", ports[2].ToString(),
        };
        if (options.Location is null)
        {
            arguments.Add("--inMemoryPersistence");
        }
        else
        {
            Directory.CreateDirectory(options.Location);
            arguments.AddRange(["--location", options.Location]);
        }

        if (options.OAuth)
        {
            arguments.AddRange(["--oauth", "basic", "--cert", options.CertificatePath!, "--key", options.KeyPath!]);
        }

        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        arguments.ForEach(start.ArgumentList.Add);
        var output = new StringBuilder();
        var process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        return new AzuriteProcess(process, output, ports[0], ports[1], ports[2], options.OAuth);
    }

    private async Task WaitUntilListeningAsync(int[] ports, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        foreach (var port in ports)
        {
            while (true)
            {
                if (_process.HasExited)
                {
                    _process.WaitForExit(); // drains the output it wrote as it went
                    throw new InvalidOperationException($"Azurite exited at start (code {_process.ExitCode}): {Output}");
                }

                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                    break;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100, cancellationToken);
                }
            }
        }
    }

    public string Output
    {
        get { lock (_output) { return _output.ToString(); } }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process.HasExited)
        {
            _process.Dispose();
            return;
        }

        if (!OperatingSystem.IsWindows())
        {
            // TERM lets Azurite flush its metadata to --location; it sometimes outlives it.
            _ = Kill(_process.Id, 15);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

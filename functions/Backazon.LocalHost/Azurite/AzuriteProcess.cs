using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

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

    /// <summary>Azurite's node process (its launcher execs node), for measuring its CPU.</summary>
    public int ProcessId => _process.Id;

    public Uri BlobEndpoint { get; }
    public Uri QueueEndpoint { get; }
    public Uri TableEndpoint { get; }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol={BlobEndpoint.Scheme};AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint={BlobEndpoint};QueueEndpoint={QueueEndpoint};TableEndpoint={TableEndpoint};";

    /// <summary>Starts Azurite on ports the operating system picks (port 0) and reads them back
    /// from what Azurite says once it listens: no port is chosen first and bound later, so none
    /// can be taken in between by another process.</summary>
    public static async Task<AzuriteProcess> StartAsync(AzuriteOptions options, CancellationToken cancellationToken = default)
    {
        var executable = await AzuriteInstaller.EnsureInstalledAsync(cancellationToken);
        var arguments = new List<string>
        {
            "--skipApiVersionCheck", "--loose", "--disableTelemetry",
            "--blobHost", "127.0.0.1", "--blobPort", "0",
            "--queueHost", "127.0.0.1", "--queuePort", "0",
            "--tableHost", "127.0.0.1", "--tablePort", "0",
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

        var ports = await ListeningPortsAsync(process, output, cancellationToken);
        return new AzuriteProcess(process, output, ports["Blob"], ports["Queue"], ports["Table"], options.OAuth);
    }

    /// <summary>The port of each service, from Azurite's "... service is successfully listening at
    /// http://127.0.0.1:PORT" lines.</summary>
    private static async Task<Dictionary<string, int>> ListeningPortsAsync(Process process, StringBuilder output, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            string text;
            lock (output)
            {
                text = output.ToString();
            }

            var ports = Listening().Matches(text).ToDictionary(m => m.Groups[1].Value, m => int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
            if (ports.Count == 3)
            {
                return ports;
            }

            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                if (process.HasExited)
                {
                    process.WaitForExit(); // drains the output it wrote as it went
                }

                throw new InvalidOperationException($"Azurite did not start listening (exit code {(process.HasExited ? process.ExitCode : "none")}): {text}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    [GeneratedRegex(@"Azurite (Blob|Queue|Table) service is successfully listening at https?://[^\s:]+:(\d+)")]
    private static partial Regex Listening();

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


    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

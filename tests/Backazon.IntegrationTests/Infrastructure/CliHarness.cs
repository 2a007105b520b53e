using Backazon.Contracts;
using Backazon.Uploader;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Commands;
using Backazon.Uploader.Configuration;

namespace Backazon.IntegrationTests.Infrastructure;

/// <summary>One machine running the real CLI in-process: its own config folder and enrolled
/// device, talking to the local backend over HTTP.</summary>
public sealed class CliHarness : IDisposable
{
    private readonly string _config = Directory.CreateTempSubdirectory("backazon-cli-").FullName;

    private CliHarness(EnrollResponse device, Uri server)
    {
        Device = device;
        Api = new Uploader.Api.BackazonClient(server, device.Token, retry: false);
        new ConfigFolder(_config).WriteSecret(DeviceConfig.FileName,
            new DeviceConfig(server.ToString().TrimEnd('/'), device.AccountId, device.DeviceId, "machine-" + device.DeviceId[..6], device.Token));
    }

    public EnrollResponse Device { get; }

    /// <summary>This machine's config folder (its state folder is "state" inside it).</summary>
    public string ConfigPath => _config;

    /// <summary>The same device's API, for tests that look at what the CLI did.</summary>
    public Uploader.Api.BackazonClient Api { get; }
    public CountingHandler Requests { get; } = new();

    /// <summary>What the CLI sends to storage (its uploads), counted on the wire.</summary>
    public CountingHandler Storage { get; } = new();

    /// <summary>Writes a file of this machine's config folder (config.json, say).</summary>
    public void Write<T>(string name, T value) => new ConfigFolder(_config).Write(name, value);

    public static async Task<CliHarness> EnrollAsync(BackendFixture backend, string? accountId = null)
    {
        accountId ??= (await backend.CreateAccountAsync()).Id;
        return new CliHarness(await backend.EnrollAsync(accountId), backend.BaseAddress);
    }

    public async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var cli = new CliContext(output, error, new ConfigFolder(_config))
        {
            Handler = () => new CountingHandler.Of(Requests),
            StorageOptions = new Azure.Storage.Blobs.BlobClientOptions { Transport = new Azure.Core.Pipeline.HttpClientTransport(new CountingHandler.Of(Storage)) },
        };
        var code = await BackazonCli.InvokeAsync(args, cli);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>The uploader as built in its own output folder (beside this test project's, under
    /// artifacts/bin, same configuration), with its own dependencies.</summary>
    private static string UploaderDll
    {
        get
        {
            var own = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            return Path.Combine(own.Parent!.Parent!.FullName, "Backazon.Uploader", own.Name, "backazon.dll");
        }
    }

    /// <summary>Starts the real CLI as a process of its own (to be killed mid-run), on this
    /// machine's config folder, with standard output read line by line.</summary>
    public System.Diagnostics.Process Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    /// <summary>The same, with more environment (HOME, say).</summary>
    public System.Diagnostics.Process Start(IReadOnlyDictionary<string, string> environment, params string[] args) => StartIn(_config, environment, args);

    /// <summary>The real CLI as a process of its own on any config folder (a machine not enrolled yet, say).</summary>
    public static System.Diagnostics.Process StartIn(string config, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(UploaderDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["BACKAZON_CONFIG_DIR"] = config;
        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        return System.Diagnostics.Process.Start(start)!;
    }

    /// <summary>The real CLI as a process on this machine's config folder, run to its end.</summary>
    public Task<(int Exit, string Out, string Error)> RunProcessAsync(params string[] args) => RunProcessIn(_config, args);

    /// <summary>The real CLI as a process on any config folder, run to its end (two minutes at most).</summary>
    public static async Task<(int Exit, string Out, string Error)> RunProcessIn(string config, params string[] args)
    {
        using var cli = StartIn(config, new Dictionary<string, string>(), args);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var output = cli.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = cli.StandardError.ReadToEndAsync(timeout.Token);
        await cli.WaitForExitAsync(timeout.Token);
        return (cli.ExitCode, await output, await error);
    }

    public void Dispose()
    {
        Api.Dispose();
        Directory.Delete(_config, recursive: true);
    }
}

/// <summary>Counts the requests the CLI makes, and the bytes of their bodies.</summary>
public sealed class CountingHandler
{
    public int Count;
    public long BytesSent;

    /// <summary>Runs before each request goes (a test's way to act at a precise step of a run:
    /// edit a file once its grant is asked for, say).</summary>
    public Func<HttpRequestMessage, Task>? Before { get; set; }

    public void Reset() => (Count, BytesSent) = (0, 0);

    public sealed class Of(CountingHandler counter) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (counter.Before is { } before)
            {
                await before(request);
            }

            Interlocked.Increment(ref counter.Count);
            if (request.Content is { } content)
            {
                // Bodies built as they go (JSON) have no length until buffered.
                await content.LoadIntoBufferAsync(cancellationToken);
                Interlocked.Add(ref counter.BytesSent, content.Headers.ContentLength ?? 0);
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}

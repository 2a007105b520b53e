using Backazon.Contracts;
using Backazon.Uploader;
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
        new ConfigFolder(_config).WriteSecret(DeviceConfig.FileName,
            new DeviceConfig(server.ToString().TrimEnd('/'), device.AccountId, device.DeviceId, "machine-" + device.DeviceId[..6], device.Token));
    }

    public EnrollResponse Device { get; }
    public CountingHandler Requests { get; } = new();

    public static async Task<CliHarness> EnrollAsync(BackendFixture backend, string? accountId = null)
    {
        accountId ??= (await backend.CreateAccountAsync()).Id;
        return new CliHarness(await backend.EnrollAsync(accountId), backend.BaseAddress);
    }

    public async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var cli = new CliContext(output, error, new ConfigFolder(_config)) { Handler = () => new CountingHandler.Of(Requests) };
        var code = await BackazonCli.InvokeAsync(args, cli);
        return (code, output.ToString(), error.ToString());
    }

    public void Dispose() => Directory.Delete(_config, recursive: true);
}

/// <summary>Counts the requests the CLI makes to the backend.</summary>
public sealed class CountingHandler
{
    public int Count;

    public sealed class Of(CountingHandler counter) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref counter.Count);
            return base.SendAsync(request, cancellationToken);
        }
    }
}

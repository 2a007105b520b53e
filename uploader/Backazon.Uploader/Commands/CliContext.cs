using Backazon.Uploader.Api;
using Backazon.Uploader.Configuration;

namespace Backazon.Uploader.Commands;

/// <summary>What every command gets: where to write, and the user's config folder. Tests pass
/// their own so the real commands run in-process.</summary>
public sealed class CliContext(TextWriter output, TextWriter error, ConfigFolder config)
{
    public TextWriter Out { get; } = output;
    public TextWriter Error { get; } = error;
    public ConfigFolder Config { get; } = config;

    /// <summary>Optional transport for tests (an in-process server); null uses the network.</summary>
    public Func<HttpMessageHandler>? Handler { get; init; }

    public BackazonClient Client(string server, string? token, bool retry = true) =>
        new(ParseServer(server), token, retry, Handler?.Invoke());

    public DeviceConfig RequireDevice() =>
        Config.Read<DeviceConfig>(DeviceConfig.FileName)
        ?? throw new CliException($"This machine is not enrolled yet: run 'backazon enroll --server URL --code CODE' first.");

    public BackazonClient DeviceClient()
    {
        var device = RequireDevice();
        return Client(device.Server, device.Token);
    }

    /// <summary>Runs a command body: refusals and unreachable servers become one sentence on
    /// standard error and exit code 1.</summary>
    public async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (e is BackazonApiException or CliException)
        {
            await Error.WriteLineAsync(e.Message);
            return ExitCodes.Failure;
        }
    }

    public static Uri ParseServer(string server) =>
        Uri.TryCreate(server, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new CliException($"'{server}' is not a server address; give one like https://backazon.example.com.");
}

/// <summary>A mistake the user can fix, said in one sentence.</summary>
public sealed class CliException(string message) : Exception(message);

/// <summary>The process exit codes (documented in uploader/README.md).</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;

    /// <summary>The run finished, but some files could not be backed up (listed with reasons).</summary>
    public const int CompletedWithSkips = 3;
}

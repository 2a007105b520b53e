using Backazon.Uploader.Api;
using Backazon.Uploader.Configuration;

namespace Backazon.Uploader.Cli;

/// <summary>What every command and the agent get: where to write, the user's config and state
/// folders, the clock, the server's clients. Tests pass their own so the real commands run
/// in-process. Kept apart from Commands/ and Agent/, which both use it, so neither folder depends
/// on the other for it (commands run the agent, never the other way round).</summary>
public sealed class CliContext(TextWriter output, TextWriter error, ConfigFolder config)
{
    public TextWriter Out { get; } = output;
    public TextWriter Error { get; } = error;
    public ConfigFolder Config { get; } = config;

    /// <summary>Where the agent's status, the pause, the locks and the logs live.</summary>
    public StateFolder State { get; init; } = StateFolder.For(config);

    /// <summary>Options for the storage clients that upload (tests add fault policies); null: defaults.</summary>
    public Azure.Storage.Blobs.BlobClientOptions? StorageOptions { get; init; }

    /// <summary>What the clock says (tests may pass their own).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Optional transport for tests (an in-process server); null uses the network.</summary>
    public Func<HttpMessageHandler>? Handler { get; init; }

    public BackazonClient Client(string server, string? token, bool retry = true) =>
        new(ParseServer(server), token, retry, Handler?.Invoke());

    public DeviceConfig RequireDevice() =>
        Config.Read<DeviceConfig>(DeviceConfig.FileName)
        ?? throw new CliException($"This machine is not enrolled yet: run 'backazon enroll --server URL --code CODE' first.");

    /// <summary>The local index of <paramref name="device"/> (one per device id, so a machine
    /// enrolled again, or taking over another computer, starts from its own).</summary>
    public string IndexFile(DeviceConfig device) => Config.File($"index-{device.DeviceId}.db");

    /// <summary>config.json, checked whole (<see cref="BackupSettings.Load"/>), or empty settings when there is none.</summary>
    public BackupSettings Settings() => BackupSettings.Load(Config.File(BackupSettings.FileName));

    public BackazonClient DeviceClient()
    {
        var device = RequireDevice();
        return Client(device.Server, device.Token);
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

    /// <summary>Stopped by Ctrl+C (128 + SIGINT, as shells report it); what was done is kept.</summary>
    public const int Interrupted = 130;
}

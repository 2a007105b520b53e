using System.Text.Json;
using Backazon.Uploader.Cli;

namespace Backazon.Uploader.Configuration;

/// <summary>
/// The user's Backazon folder: $XDG_CONFIG_HOME/backazon (~/.config/backazon) on Linux,
/// %APPDATA%\backazon on Windows, or BACKAZON_CONFIG_DIR. Files holding secrets are written
/// readable by the owner only, and atomically (write a temporary file, then rename).
/// </summary>
public sealed class ConfigFolder(string path)
{
    public static JsonSerializerOptions Json => JsonFile.Options;

    public string Path { get; } = path;

    /// <summary>The config folder when BACKAZON_CONFIG_DIR does not name another.</summary>
    public static string PlatformPath =>
        System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.Create), "backazon");

    public static ConfigFolder Default() =>
        new(Environment.GetEnvironmentVariable("BACKAZON_CONFIG_DIR") is { Length: > 0 } dir ? dir : PlatformPath);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <exception cref="Cli.CliException">The file is not valid JSON of the expected shape.</exception>
    public T? Read<T>(string name)
        where T : class => JsonFile.Read<T>(File(name));

    /// <summary>Writes a file of this folder readable by the owner only, atomically.</summary>
    public void Write<T>(string name, T value) => JsonFile.Write(File(name), value);

    /// <summary>Writes a file holding a secret: the same owner-only, atomic write, named for what
    /// it protects.</summary>
    public void WriteSecret<T>(string name, T value) => Write(name, value);
}

/// <summary>This machine's device identity, written by "backazon enroll".</summary>
public sealed record DeviceConfig(string Server, string AccountId, string DeviceId, string DeviceName, string Token)
{
    public const string FileName = "device.json";
}

/// <summary>The operator's credential for "backazon admin", written by "backazon admin login".</summary>
public sealed record OperatorConfig(string Server, string Key)
{
    public const string FileName = "operator.json";
}

using System.Text.Json;

namespace Backazon.Uploader.Configuration;

/// <summary>
/// The user's Backazon folder: $XDG_CONFIG_HOME/backazon (~/.config/backazon) on Linux,
/// %APPDATA%\backazon on Windows, or BACKAZON_CONFIG_DIR. Files holding secrets are written
/// readable by the owner only, and atomically (write a temporary file, then rename).
/// </summary>
public sealed class ConfigFolder(string path)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string Path { get; } = path;

    public static ConfigFolder Default() =>
        new(Environment.GetEnvironmentVariable("BACKAZON_CONFIG_DIR") is { Length: > 0 } dir
            ? dir
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.Create), "backazon"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public T? Read<T>(string name)
        where T : class
    {
        var file = File(name);
        return System.IO.File.Exists(file) ? JsonSerializer.Deserialize<T>(System.IO.File.ReadAllText(file), Json) : null;
    }

    public void WriteSecret<T>(string name, T value)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(Path);
        }
        else
        {
            Directory.CreateDirectory(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var target = File(name);
        var temporary = target + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, value, Json);
        }

        if (!OperatingSystem.IsWindows())
        {
            System.IO.File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        System.IO.File.Move(temporary, target, overwrite: true);
    }
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

/// <summary>What to back up (config.json): folders, and glob patterns to leave out on top of
/// the built-in exclusions.</summary>
public sealed record BackupSettings(IReadOnlyList<string>? Folders, IReadOnlyList<string>? Exclude)
{
    public const string FileName = "config.json";
}

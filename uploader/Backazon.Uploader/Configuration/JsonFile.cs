using System.Text.Json;
using Backazon.Uploader.Cli;

namespace Backazon.Uploader.Configuration;

/// <summary>The JSON files Backazon keeps for itself: written readable by the owner only, and
/// atomically (a temporary file, then a rename), so a kill never leaves half a file.</summary>
public static class JsonFile
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <exception cref="CliException">The file is not valid JSON of the expected shape.</exception>
    public static T? Read<T>(string file)
        where T : class
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(text, Options);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}" : "";
            throw new CliException($"{file} is not valid{where}: fix it or delete it.");
        }
    }

    public static void Write<T>(string file, T value)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(file))!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var temporary = $"{file}.{Environment.ProcessId}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, value, Options);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, file, overwrite: true);
    }
}

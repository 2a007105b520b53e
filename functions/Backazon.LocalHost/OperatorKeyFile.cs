using Backazon.Backend.Security;

namespace Backazon.LocalHost;

/// <summary>
/// The local operator key: made once, kept in the data folder readable by its owner only, and
/// handed to the backend as its hash, exactly as a deployment configures it.
/// </summary>
public static class OperatorKeyFile
{
    public static string PathIn(string dataFolder) => Path.Combine(dataFolder, "operator.key");

    public static string LoadOrCreate(string dataFolder)
    {
        var path = PathIn(dataFolder);
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        var key = "bko_" + Secrets.NewSecret();
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(path, System.Text.Encoding.ASCII, options))
        {
            writer.Write(key);
        }

        return key;
    }
}

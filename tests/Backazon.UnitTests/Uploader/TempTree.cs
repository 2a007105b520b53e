namespace Backazon.UnitTests.Uploader;

/// <summary>A real folder under the system temp folder, removed on dispose.</summary>
public sealed class TempTree : IDisposable
{
    public TempTree()
    {
        Root = Path.Combine(Path.GetTempPath(), "backazon-tests", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Writes a file (creating its folders) and returns its absolute path.</summary>
    public string File(string relative, string content = "")
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    public string Folder(string relative) => Directory.CreateDirectory(PathOf(relative)).FullName;

    public void Dispose()
    {
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                // Tests may leave folders at mode 000; give them back before deleting.
                foreach (var folder in Directory.EnumerateDirectories(Root, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }))
                {
                    System.IO.File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
            }

            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Temp folders are the system's to clean eventually; a failed delete must not fail a test.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

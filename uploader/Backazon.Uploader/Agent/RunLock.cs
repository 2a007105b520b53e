namespace Backazon.Uploader.Agent;

/// <summary>
/// A lock one process holds on a file while it does something only one may do at a time (run the
/// agent, back up). The operating system releases it when the process ends, however it ends, so a
/// kill never leaves a stale lock behind.
/// </summary>
public sealed class RunLock : IDisposable
{
    private readonly FileStream _file;

    private RunLock(FileStream file) => _file = file;

    /// <summary>Takes the lock, or returns null when another holder has it.</summary>
    public static RunLock? TryTake(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        try
        {
            // FileShare.None is an exclusive lock (flock on Unix): a second opener fails, in this
            // process or another.
            return new RunLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Whether someone holds the lock now (by trying it, briefly).</summary>
    public static bool IsHeld(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        using var probe = TryTake(path);
        return probe is null;
    }

    public void Dispose() => _file.Dispose();
}

using System.Runtime.InteropServices;

namespace Backazon.Uploader.Restoring;

/// <summary>
/// Sets a symbolic link's own modification time (.NET's setters follow the link to its target):
/// utimensat with AT_SYMLINK_NOFOLLOW, Linux only, where struct timespec is two 64-bit words on
/// the 64-bit systems .NET runs on. Elsewhere, or where it fails, the link keeps the time it
/// was made: a link's time is kept for the record, never what a restore is judged by.
/// </summary>
internal static class LinkTimes
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const long UtimeOmit = (1L << 30) - 2;

    public static void Set(string link, DateTimeOffset modifiedAt)
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
        {
            return;
        }

        var since = modifiedAt.ToUnixTimeMilliseconds() / 1000;
        var nanoseconds = (modifiedAt.UtcTicks - DateTimeOffset.FromUnixTimeSeconds(since).UtcTicks) * 100;
        long[] times = [0, UtimeOmit, since, nanoseconds]; // access time left alone, then the modification time
        try
        {
            _ = utimensat(AtFdCwd, link, times, AtSymlinkNoFollow);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int utimensat(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, long[] times, int flags);
}

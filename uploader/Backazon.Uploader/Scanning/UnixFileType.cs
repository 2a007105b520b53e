using System.Runtime.InteropServices;

namespace Backazon.Uploader.Scanning;

/// <summary>
/// Tells regular files from fifos, sockets and devices, which .NET reports as ordinary files.
/// Opening a fifo blocks forever and a device can stream without end, so the scanner must know.
/// Linux only, through statx, whose struct layout is the same on every architecture (struct stat's
/// is not). Windows has no such entries in its file tree; on other systems this answers null.
/// </summary>
internal static class UnixFileType
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int ModeOffset = 0x1C;
    private const int StatxSize = 256;

    private static bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>"fifo", "socket", "character device" or "block device"; null for anything else or
    /// when it cannot be told.</summary>
    public static string? SpecialKind(string path)
    {
        if (_unavailable)
        {
            return null;
        }

        var buffer = new byte[StatxSize];
        try
        {
            if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType, buffer) != 0)
            {
                return null;
            }
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            // An old or unusual libc: fall back to treating everything as a regular file.
            _unavailable = true;
            return null;
        }

        return (BitConverter.ToUInt16(buffer, ModeOffset) & 0xF000) switch
        {
            0x1000 => "fifo",
            0x2000 => "character device",
            0x6000 => "block device",
            0xC000 => "socket",
            _ => null,
        };
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);
}

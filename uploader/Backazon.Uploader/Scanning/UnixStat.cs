using System.Runtime.InteropServices;

namespace Backazon.Uploader.Scanning;

/// <summary>
/// What a file's inode says beyond what .NET reports, read with one statx call (Linux only: its
/// struct layout is the same on every architecture, struct stat's is not):
/// <list type="bullet">
/// <item>the file type, to tell regular files from fifos, sockets and devices, which .NET reports
/// as ordinary files (opening a fifo blocks forever; a device can stream without end);</item>
/// <item>the change time and inode number (<see cref="FileStamp"/>), which tell a rewritten file
/// from an untouched one when its size and modification time were kept.</item>
/// </list>
/// Windows has no such entries in its file tree; on other systems this answers null.
/// </summary>
internal static class UnixStat
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const uint StatxMode = 0x2;
    private const uint StatxCtime = 0x80;
    private const uint StatxIno = 0x100;
    private const int MaskOffset = 0x00;
    private const int ModeOffset = 0x1C;
    private const int InoOffset = 0x20;
    private const int CtimeOffset = 0x60; // struct statx_timestamp { s64 tv_sec; u32 tv_nsec; }
    private const int StatxSize = 256;

    private static bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>The inode's type and stamp; null when they cannot be told (not Linux, an old libc,
    /// a file that vanished).</summary>
    public static (string? SpecialKind, FileStamp? Stamp)? Read(string path)
    {
        if (_unavailable)
        {
            return null;
        }

        var buffer = new byte[StatxSize];
        try
        {
            if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType | StatxMode | StatxCtime | StatxIno, buffer) != 0)
            {
                return null;
            }
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            // An old or unusual libc: fall back to size and modification time alone.
            _unavailable = true;
            return null;
        }

        var special = (BitConverter.ToUInt16(buffer, ModeOffset) & 0xF000) switch
        {
            0x1000 => "fifo",
            0x2000 => "character device",
            0x6000 => "block device",
            0xC000 => "socket",
            _ => null,
        };

        // A file system may leave out what it cannot report: then there is no stamp to trust.
        var filled = BitConverter.ToUInt32(buffer, MaskOffset);
        FileStamp? stamp = (filled & (StatxCtime | StatxIno)) == (StatxCtime | StatxIno)
            ? new FileStamp(
                BitConverter.ToInt64(buffer, CtimeOffset) * 1_000_000_000L + BitConverter.ToUInt32(buffer, CtimeOffset + 8),
                (long)BitConverter.ToUInt64(buffer, InoOffset))
            : null;
        return (special, stamp);
    }

    /// <summary>The stamp alone (see <see cref="Read"/>).</summary>
    public static FileStamp? StampOf(string path) => Read(path)?.Stamp;

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);
}

using System.Globalization;

namespace Backazon.Bench.Measuring;

/// <summary>CPU time used so far by running processes (the backend, Azurite), read from
/// /proc/PID/stat: the servers' share of a step is the difference across it.</summary>
public static class ServerCpu
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public static TimeSpan Of(IEnumerable<int> pids) => TimeSpan.FromSeconds(pids.Sum(Seconds));

    private static double Seconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name (which is in parentheses and may hold spaces).
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}

using System.Diagnostics;
using System.Globalization;

namespace Backazon.Bench.Measuring;

/// <summary>What one run of a tool cost it: wall time, its peak resident memory and CPU time
/// (from GNU time's wait4 figures, so nothing is sampled and the last moment counts), and
/// its exit code and output.</summary>
public sealed record ProcessRun(TimeSpan Wall, long PeakBytes, TimeSpan Cpu, int ExitCode, string Output, string Error)
{
    /// <summary>This run followed by another, as one: times add up, the peak is the higher.</summary>
    public ProcessRun Then(ProcessRun next) =>
        new(Wall + next.Wall, Math.Max(PeakBytes, next.PeakBytes), Cpu + next.Cpu, next.ExitCode, Output + next.Output, Error + next.Error);
}

/// <summary>Runs a command line under /usr/bin/time, with extra environment, output captured.</summary>
public static class MeasuredProcess
{
    public static async Task<ProcessRun> RunAsync(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var figures = Path.GetTempFileName();
        try
        {
            var start = new ProcessStartInfo("/usr/bin/time") { RedirectStandardOutput = true, RedirectStandardError = true };
            // %M: peak resident set in KiB; %U %S: user and system CPU seconds.
            foreach (var argument in (string[])["-o", figures, "-f", "%M %U %S", program, .. arguments])
            {
                start.ArgumentList.Add(argument);
            }

            foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            {
                start.Environment[name] = value;
            }

            var clock = Stopwatch.StartNew();
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            clock.Stop();

            var parts = (await File.ReadAllTextAsync(figures)).Trim().Split('\n')[^1].Split(' ');
            var cpu = double.Parse(parts[1], CultureInfo.InvariantCulture) + double.Parse(parts[2], CultureInfo.InvariantCulture);
            return new ProcessRun(clock.Elapsed, long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024, TimeSpan.FromSeconds(cpu),
                process.ExitCode, await output, await error);
        }
        finally
        {
            File.Delete(figures);
        }
    }
}

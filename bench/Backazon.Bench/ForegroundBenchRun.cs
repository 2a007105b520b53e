using System.Diagnostics;
using System.Globalization;
using System.Text;
using Backazon.Bench.Measuring;
using Backazon.Bench.Tools;

namespace Backazon.Bench;

/// <summary>
/// What a backup costs the person at the computer: a foreground job (gzip of a text file, one
/// core, as a build or an export would be) timed alone, then while a backup runs at normal
/// priority, then while it runs at the agent's priority (the systemd unit's Nice=19 and
/// IOSchedulingClass=idle, here `nice -n 19 ionice -c 3`). Each backup sends a tree of its own
/// (random bytes, so nothing is found stored). The backend and Azurite stand in for the cloud:
/// they run at the lowest priority throughout, so what slows the job is the uploader's own work.
/// </summary>
public sealed class ForegroundBenchRun(int bigMib, string work, BenchPaths paths)
{
    private const int Rounds = 3;
    private const int SmallFiles = 1000;
    private const int JobMib = 128;
    private static readonly string[] AgentPriority = ["nice", "-n", "19", "ionice", "-c", "3"];

    public async Task<string> RunAsync()
    {
        var jobInput = Path.Combine(work, "job-input.txt");
        WriteText(jobInput, JobMib);
        await using var environment = await BenchEnvironment.StartAsync(work, paths.LocalHostDll);
        foreach (var server in (int[])[environment.BackendProcess, environment.Azurite.ProcessId])
        {
            await MeasuredProcess.RunAsync("renice", ["-n", "19", "-p", server.ToString(CultureInfo.InvariantCulture)]);
        }

        var config = Path.Combine(work, "backazon-config");
        await new BackazonTool(paths.CliDll, config).EnrollAsync(environment.Api.Address, await environment.EnrollmentCodeAsync());
        var normal = new BackazonTool(paths.CliDll, config);
        var agent = new BackazonTool(paths.CliDll, config, AgentPriority);

        var alone = new List<TimeSpan>();
        var withNormal = new List<(TimeSpan Job, TimeSpan Backup)>();
        var withAgent = new List<(TimeSpan Job, TimeSpan Backup)>();
        for (var round = 0; round < Rounds; round++)
        {
            Log($"Round {round + 1}: the job alone");
            alone.Add((await JobAsync(jobInput)).Wall);
            Log($"Round {round + 1}: the job beside a backup at normal priority");
            withNormal.Add(await BesideAsync(normal, Tree($"normal-{round}", seed: 2 * round), jobInput));
            Log($"Round {round + 1}: the job beside a backup at the agent's priority");
            withAgent.Add(await BesideAsync(agent, Tree($"agent-{round}", seed: 2 * round + 1), jobInput));
        }

        var baseline = Median(alone);
        string Row(string what, List<(TimeSpan Job, TimeSpan Backup)> runs) => string.Create(CultureInfo.InvariantCulture,
            $"| {what} | {string.Join(" · ", runs.Select(r => $"{r.Job.TotalSeconds:F1} s"))} | {Median(runs.Select(r => r.Job).ToList()) / baseline:F2}× | {string.Join(" · ", runs.Select(r => $"{r.Backup.TotalSeconds:F1} s"))} |");
        return new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Foreground job (gzip -6 of {JobMib} MiB of text) beside a backup of {SmallFiles:N0} files of 64 KiB and one of {bigMib} MiB ({Machine.Describe()}); backend and Azurite at nice 19")
            .AppendLine()
            .AppendLine("| the job | its time (each round) | slowdown (medians) | the backup's time |")
            .AppendLine("| --- | ---: | ---: | ---: |")
            .AppendLine(CultureInfo.InvariantCulture, $"| alone | {string.Join(" · ", alone.Select(t => $"{t.TotalSeconds:F1} s"))} | 1.00× | |")
            .AppendLine(Row("beside a backup at normal priority", withNormal))
            .AppendLine(Row("beside a backup at the agent's priority (nice 19, idle I/O)", withAgent))
            .ToString();
    }

    /// <summary>Starts the backup, lets it get going, runs the job beside it; both times.</summary>
    private static async Task<(TimeSpan Job, TimeSpan Backup)> BesideAsync(BackazonTool tool, string tree, string jobInput)
    {
        var backup = tool.BackupAsync(tree);
        await Task.Delay(TimeSpan.FromSeconds(2)); // past start-up, into hashing and sending
        var job = await JobAsync(jobInput);
        var run = await backup;
        if (run.Wall < TimeSpan.FromSeconds(2) + job.Wall)
        {
            Log($"  (the backup, {run.Wall.TotalSeconds:F1} s, ended before the job did: use a bigger file)");
        }

        return (job.Wall, run.Wall);
    }

    private static async Task<ProcessRun> JobAsync(string input)
    {
        var run = await MeasuredProcess.RunAsync("sh", ["-c", $"gzip -6 -c '{input}' > /dev/null"]);
        return run.ExitCode == 0 ? run : throw new InvalidOperationException($"gzip failed: {run.Error}");
    }

    /// <summary>A tree of its own for one backup: small files and one big one, random bytes.</summary>
    private string Tree(string name, int seed)
    {
        var tree = Path.Combine(work, name);
        Directory.CreateDirectory(tree);
        var random = new Random(seed);
        var buffer = new byte[1 << 20];
        for (var i = 0; i < SmallFiles; i++)
        {
            random.NextBytes(buffer.AsSpan(0, 64 * 1024));
            File.WriteAllBytes(Path.Combine(tree, $"small-{i:D4}.bin"), buffer[..(64 * 1024)]);
        }

        using var big = File.Create(Path.Combine(tree, "big.bin"));
        for (var m = 0; m < bigMib; m++)
        {
            random.NextBytes(buffer);
            big.Write(buffer);
        }

        return tree;
    }

    /// <summary>Text that compresses as documents do (about 3:1), so gzip works as on real files.</summary>
    private static void WriteText(string path, int mib)
    {
        string[] words = ["backup", "restore", "file", "folder", "version", "history", "storage", "computer", "photo", "invoice", "report", "draft"];
        var random = new Random(7);
        using var writer = new StreamWriter(path);
        var line = new StringBuilder();
        while (writer.BaseStream.Length < (long)mib << 20)
        {
            line.Clear();
            for (var w = 0; w < 12; w++)
            {
                line.Append(words[random.Next(words.Length)]).Append(' ').Append(random.Next(100_000)).Append(' ');
            }

            writer.WriteLine(line);
        }
    }

    private static TimeSpan Median(List<TimeSpan> times) => times.Order().ElementAt(times.Count / 2);

    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}

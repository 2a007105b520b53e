using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Backazon.Bench.Tools;

namespace Backazon.Bench;

/// <summary>
/// A restore at scale through the CLI: a tree of many small files (a hundred distinct contents,
/// so storage holds little) is backed up, then its restore manifest is read page by page through
/// the API, each page timed, and the whole tree restored with `backazon restore`. What it shows:
/// the time of a page does not grow with its number, and the backend's memory stays flat.
/// </summary>
public sealed class RestoreScaleRun(int files, string work, BenchPaths paths)
{
    private const int FilesPerFolder = 100;
    private const int DistinctContents = 100;

    public async Task<string> RunAsync()
    {
        var tree = Path.Combine(work, "Many");
        Log($"Writing {files:N0} files under {tree}");
        Generate(tree);

        await using var environment = await BenchEnvironment.StartAsync(work, paths.LocalHostDll);
        var config = Path.Combine(work, "backazon-config");
        var backazon = new BackazonTool(paths.CliDll, config);
        await backazon.EnrollAsync(environment.Api.Address, await environment.EnrollmentCodeAsync());
        var backend = Process.GetProcessById(environment.BackendProcess);

        Log("Backing up");
        var backup = await backazon.BackupAsync(tree);
        var rssBefore = Rss(backend);

        Log("Reading the restore manifest page by page");
        var pages = await PageTimesAsync(environment, config, tree);
        var rssAfterPages = Rss(backend);

        Log("Restoring with the CLI");
        var target = Path.Combine(work, "restored");
        var (restore, restored) = await backazon.RestoreAsync(tree, target);
        var count = Directory.EnumerateFiles(restored, "*", SearchOption.AllDirectories).Count();
        var rssAfterRestore = Rss(backend);

        var ms = pages.Select(p => p.TotalMilliseconds).ToList();
        string At(int page) => page <= ms.Count ? $"{ms[page - 1]:F0} ms" : "-";
        var sorted = ms.Order().ToList();
        var table = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Restore at scale: {files:N0} files in {files / FilesPerFolder:N0} folders ({Machine.Describe()})")
            .AppendLine()
            .AppendLine("| what | value |")
            .AppendLine("| --- | ---: |")
            .AppendLine(CultureInfo.InvariantCulture, $"| backup (CLI, until cataloged) | {backup.Wall.TotalSeconds:F1} s |")
            .AppendLine(CultureInfo.InvariantCulture, $"| manifest pages | {ms.Count} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| page 1 · 2 · 10 · {ms.Count / 2} · {ms.Count} | {At(1)} · {At(2)} · {At(10)} · {At(ms.Count / 2)} · {At(ms.Count)} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| page time median · 90th percentile · max | {sorted[sorted.Count / 2]:F0} · {sorted[(int)(sorted.Count * 0.9)]:F0} · {sorted[^1]:F0} ms |")
            .AppendLine(CultureInfo.InvariantCulture, $"| first tenth of pages · last tenth (mean) | {ms.Take(Math.Max(1, ms.Count / 10)).Average():F0} · {ms.TakeLast(Math.Max(1, ms.Count / 10)).Average():F0} ms |")
            .AppendLine(CultureInfo.InvariantCulture, $"| backend RSS after backup · after all pages · after the restore | {rssBefore / 1e6:F0} · {rssAfterPages / 1e6:F0} · {rssAfterRestore / 1e6:F0} MB |")
            .AppendLine(CultureInfo.InvariantCulture, $"| restore (CLI) | {restore.Wall.TotalSeconds:F1} s, {count:N0} files, CLI peak RSS {restore.PeakBytes / 1e6:F0} MB |")
            .ToString();
        return count == files ? table : throw new InvalidOperationException($"{count:N0} files restored, {files:N0} expected.\n{table}");
    }

    private void Generate(string tree)
    {
        for (var i = 0; i < files; i++)
        {
            var folder = Path.Combine(tree, $"f{i / FilesPerFolder:D4}");
            if (i % FilesPerFolder == 0)
            {
                Directory.CreateDirectory(folder);
            }

            File.WriteAllText(Path.Combine(folder, $"file-{i:D6}.txt"), $"content {i % DistinctContents}\n" + new string('x', 200 + i % DistinctContents));
        }
    }

    /// <summary>Every page of the whole tree's manifest, as the CLI asks for them, each timed.</summary>
    private static async Task<List<TimeSpan>> PageTimesAsync(BenchEnvironment environment, string config, string tree)
    {
        var device = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(config, "device.json")))!;
        using var http = new HttpClient { BaseAddress = new Uri(environment.Api.Address, "api/"), Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", device["token"]!.GetValue<string>());
        var times = new List<TimeSpan>();
        string? continuation = null;
        do
        {
            var watch = Stopwatch.StartNew();
            var response = await http.PostAsJsonAsync("restores", new { paths = new[] { tree.TrimStart('/') }, continuation });
            response.EnsureSuccessStatusCode();
            var page = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            times.Add(watch.Elapsed);
            continuation = page["continuation"]?.GetValue<string>();
        }
        while (continuation is not null);

        return times;
    }

    private static long Rss(Process process)
    {
        var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}

using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using Backazon.Bench.Tools;
using Microsoft.Playwright;

namespace Backazon.Bench;

/// <summary>
/// The web page in Debian's Chromium (Playwright), against the local backend: how long the first
/// page of a folder of many files takes to show, and a 1 GiB folder downloaded as one ZIP the page
/// assembles (every byte checked in the browser) against `backazon restore` of the same folder.
/// The trees are backed up by the real CLI first.
/// </summary>
public sealed class WebBenchRun(int files, int bigMib, string work, BenchPaths paths)
{
    private const string Chromium = "/usr/bin/chromium";
    private const int Repeats = 3;

    public async Task<string> RunAsync()
    {
        var tree = Path.Combine(work, "Home");
        var flat = Path.Combine(tree, "Flat");
        var big = Path.Combine(tree, "Big");
        Log($"Writing {files:N0} small files in one folder and a {bigMib} MiB folder under {tree}");
        GenerateFlat(flat);
        var bigBytes = GenerateBig(big);

        await using var environment = await BenchEnvironment.StartAsync(work, paths.LocalHostDll);
        var config = Path.Combine(work, "backazon-config");
        var backazon = new BackazonTool(paths.CliDll, config);
        await backazon.EnrollAsync(environment.Api.Address, await environment.EnrollmentCodeAsync());
        Log("Backing up with the CLI");
        var backup = await backazon.BackupAsync(tree);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { AcceptDownloads = true });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(600_000);

        Log("Signing in as ada through an invitation");
        var link = await environment.InvitationLinkAsync("ada@example.com");
        var pageAddress = new Uri(environment.Backend, "api/web/").ToString();
        var watch = Stopwatch.StartNew();
        await page.GotoAsync(pageAddress + new Uri(link).Fragment);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.GetByLabel("User name").FillAsync("ada");
        await page.GetByLabel("Password").FillAsync("backazon");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Bench", Level = 1 }).WaitForAsync();
        var signIn = watch.Elapsed;
        var deviceId = await page.EvaluateAsync<string>("decodeURIComponent(document.querySelector('tbody th a').hash.split('/')[2])");

        Log("Timing the account screen and the first page of the big folder");
        var account = new List<TimeSpan>();
        var firstPage = new List<TimeSpan>();
        var firstPageApi = new List<TimeSpan>();
        for (var i = 0; i < Repeats; i++)
        {
            await page.EvaluateAsync("performance.clearResourceTimings()");
            account.Add(await ShowAsync(page, "#/link?x=" + i, "#/", page.GetByRole(AriaRole.Heading, new() { Name = "Bench", Level = 1 })));
            firstPage.Add(await ShowAsync(page, "#/", $"#/computer/{Uri.EscapeDataString(deviceId)}?path={Uri.EscapeDataString(flat.TrimStart('/'))}",
                page.GetByRole(AriaRole.Rowheader, new() { Name = "file-000000.txt", Exact = true })));
            // Of that, the catalog's answer (the browser's own timing of the request).
            firstPageApi.Add(TimeSpan.FromMilliseconds(await page.EvaluateAsync<double>(
                "performance.getEntriesByType('resource').filter(e => e.name.includes('/catalog?')).at(-1)?.duration ?? -1")));
        }

        Log("Downloading the big folder as a ZIP in the browser");
        await page.EvaluateAsync($"location.hash = {System.Text.Json.JsonSerializer.Serialize($"#/computer/{Uri.EscapeDataString(deviceId)}?path={Uri.EscapeDataString(tree.TrimStart('/'))}")}");
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Select Big", Exact = true }).CheckAsync();
        // BACKAZON_BENCH_PROFILE=FILE keeps a CPU profile of the page's own thread during the download
        // (open it in Chromium's DevTools, Performance panel): where the page spends its time.
        var profileTo = Environment.GetEnvironmentVariable("BACKAZON_BENCH_PROFILE");
        var profiler = string.IsNullOrEmpty(profileTo) ? null : await context.NewCDPSessionAsync(page);
        if (profiler is not null)
        {
            await profiler.SendAsync("Profiler.enable");
            await profiler.SendAsync("Profiler.start");
        }

        watch.Restart();
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Download selected as ZIP" }).ClickAsync());
        var zipPath = await download.PathAsync();
        var browserTime = watch.Elapsed;
        if (profiler is not null)
        {
            var profile = await profiler.SendAsync("Profiler.stop");
            await File.WriteAllTextAsync(profileTo!, profile!.Value.GetProperty("profile").GetRawText());
            Log($"CPU profile of the page's thread in {profileTo}");
        }
        var (zipEntries, zipBytes) = Inspect(zipPath!);

        Log("Restoring the same folder with backazon restore");
        var (restore, restored) = await backazon.RestoreAsync(big, Path.Combine(work, "restored"));
        var restoredBytes = Directory.EnumerateFiles(restored, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

        string Times(List<TimeSpan> t) => string.Join(" · ", t.Select(x => $"{x.TotalMilliseconds:F0} ms"));
        var browserRate = bigBytes / browserTime.TotalSeconds / 1e6;
        var cliRate = bigBytes / restore.Wall.TotalSeconds / 1e6;
        var table = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Web page: {files:N0} files in one folder; a {bigMib} MiB folder ({Machine.Describe()}; Chromium headless)")
            .AppendLine()
            .AppendLine("| what | value |")
            .AppendLine("| --- | ---: |")
            .AppendLine(CultureInfo.InvariantCulture, $"| backup of both (CLI, until cataloged) | {backup.Wall.TotalSeconds:F1} s |")
            .AppendLine(CultureInfo.InvariantCulture, $"| sign-in through the local issuer, to the account shown | {signIn.TotalMilliseconds:F0} ms |")
            .AppendLine(CultureInfo.InvariantCulture, $"| account screen shown ({Repeats} times) | {Times(account)} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| first page of the {files:N0}-file folder shown ({Repeats} times) | {Times(firstPage)} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| of which the catalog API's answer (browser's resource timing) | {Times(firstPageApi)} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| {bigMib} MiB folder as a ZIP in the browser (click to saved, all checked) | {browserTime.TotalSeconds:F1} s, {browserRate:F1} MB/s, {zipEntries} files, {zipBytes / 1e6:F0} MB |")
            .AppendLine(CultureInfo.InvariantCulture, $"| the same folder with backazon restore | {restore.Wall.TotalSeconds:F1} s, {cliRate:F1} MB/s, {restoredBytes / 1e6:F0} MB |")
            .AppendLine(CultureInfo.InvariantCulture, $"| browser speed ÷ CLI speed | {browserRate / cliRate:F2} |")
            .ToString();
        return zipBytes == bigBytes && restoredBytes == bigBytes ? table : throw new InvalidOperationException($"Sizes differ ({bigBytes} written).\n{table}");
    }

    /// <summary>From one screen to another by the address (as a link does), until the element shows.</summary>
    private static async Task<TimeSpan> ShowAsync(IPage page, string from, string to, ILocator shown)
    {
        await page.EvaluateAsync($"location.hash = {System.Text.Json.JsonSerializer.Serialize(from)}");
        await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).WaitForAsync();
        var watch = Stopwatch.StartNew();
        await page.EvaluateAsync($"location.hash = {System.Text.Json.JsonSerializer.Serialize(to)}");
        await shown.WaitForAsync();
        return watch.Elapsed;
    }

    private static (int Files, long Bytes) Inspect(string zip)
    {
        using var archive = ZipFile.OpenRead(zip);
        var files = archive.Entries.Where(e => !e.FullName.EndsWith('/')).ToList();
        return (files.Count, files.Sum(e => e.Length));
    }

    private void GenerateFlat(string folder)
    {
        Directory.CreateDirectory(folder);
        for (var i = 0; i < files; i++)
        {
            File.WriteAllText(Path.Combine(folder, $"file-{i:D6}.txt"), $"content {i % 100}\n");
        }
    }

    /// <summary>Half in files of 64 MiB (chunked: checked by their chunk-list identity), half in
    /// files of 1 MiB (checked by SHA-256); random bytes.</summary>
    private long GenerateBig(string folder)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(25);
        var buffer = new byte[1 << 20];
        long total = 0;
        void Write(string name, int mib)
        {
            using var file = File.Create(Path.Combine(folder, name));
            for (var m = 0; m < mib; m++)
            {
                random.NextBytes(buffer);
                file.Write(buffer);
            }

            total += (long)mib << 20;
        }

        for (var i = 0; i < bigMib / 2 / 64; i++)
        {
            Write($"video-{i:D2}.mp4", 64);
        }

        for (var i = 0; i < bigMib / 2; i++)
        {
            Write($"photo-{i:D4}.jpg", 1);
        }

        return total;
    }

    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}

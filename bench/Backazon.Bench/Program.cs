using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using Azure.Storage.Blobs;
using Backazon.Backend.Security;
using Backazon.Contracts;
using Backazon.LocalHost;
using Backazon.LocalHost.Azurite;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// dotnet run -c Release --project bench/Backazon.Bench -- [files=10000] [largeMiB=1024]
// Generates a tree, starts Azurite (on disk) and the local backend, then times: the first
// `backazon backup` (a separate process, peak memory sampled from /proc), an unchanged rerun, a
// folder rename, and a plain parallel upload of the same files with the Azure SDK (the store's
// limit here). Prints a Markdown table.
var fileCount = args.Length > 0 ? int.Parse(args[0]) : 10_000;
var largeMiB = args.Length > 1 ? int.Parse(args[1]) : 1024;
var work = Directory.CreateTempSubdirectory("backazon-bench-").FullName;
var tree = Path.Combine(work, "tree");
var config = Path.Combine(work, "config");
// The uploader as users run it: its own build output (artifacts/bin/Backazon.Uploader/<config>).
var buildConfiguration = new DirectoryInfo(AppContext.BaseDirectory).Name;
var cli = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "Backazon.Uploader", buildConfiguration, "backazon.dll"));

try
{
    Console.WriteLine($"Generating {fileCount:N0} files and one {largeMiB} MiB file under {tree}...");
    var (count, bytes) = Generate(tree, fileCount, largeMiB);
    Console.WriteLine($"{count:N0} files, {bytes / 1e6:N1} MB.");

    await using var azurite = await AzuriteProcess.StartAsync(new AzuriteOptions(Location: Path.Combine(work, "azurite")));
    const string operatorKey = "bko_bench";
    await using var app = await LocalBackend.BuildAsync(["--port", "0", "--data", Path.Combine(work, "backend")], builder =>
    {
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DataStorage"] = azurite.ConnectionString,
            ["Operator:KeyHash"] = Secrets.Hash(operatorKey),
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
    });
    await app.StartAsync();
    var server = app.BaseAddress().ToString().TrimEnd('/');

    using var http = new HttpClient { BaseAddress = new Uri(server + "/api/") };
    http.DefaultRequestHeaders.Authorization = new("Bearer", operatorKey);
    var account = (await (await http.PostAsJsonAsync("admin/accounts", new CreateAccountRequest("Bench", "family"))).Content.ReadFromJsonAsync<AccountView>())!;
    var code = (await (await http.PostAsync($"admin/accounts/{account.Id}/enrollment-codes", null)).Content.ReadFromJsonAsync<EnrollmentCodeView>())!;
    await RunCli("enroll", "--server", server, "--code", code.Code);

    var first = await RunCli("backup", tree);
    var rerun = await RunCli("backup", tree); // also confirms whatever the first run left cataloging
    await CheckCatalog(app, account.Id, tree);
    rerun = await RunCli("backup", tree);
    Directory.Move(Path.Combine(tree, "folder-000"), Path.Combine(tree, "folder-000-renamed"));
    var renamed = await RunCli("backup", tree);

    var baseline = await PlainUpload(azurite.ConnectionString, tree);

    Console.WriteLine();
    Console.WriteLine($"| run ({count:N0} files, {bytes / 1e6:N0} MB; 2 shared cores, Azurite on local disk) | time | files/s | MB/s | uploader peak RSS |");
    Console.WriteLine("| --- | --- | --- | --- | --- |");
    Row("first backup (`backazon backup`)", first);
    Row("unchanged rerun", rerun);
    Row("rename a folder of 1,000 files", renamed);
    Console.WriteLine($"| plain parallel upload, Azure SDK (no hashing, no catalog) | {baseline.TotalSeconds:N1} s | {count / baseline.TotalSeconds:N0} | {bytes / 1e6 / baseline.TotalSeconds:N1} | - |");

    void Row(string name, (TimeSpan Time, long PeakBytes) run) =>
        Console.WriteLine($"| {name} | {run.Time.TotalSeconds:N1} s | {count / run.Time.TotalSeconds:N0} | {bytes / 1e6 / run.Time.TotalSeconds:N1} | {run.PeakBytes / 1e6:N0} MB |");
}
finally
{
    Directory.Delete(work, recursive: true);
}

// Every file of the tree is in the catalog with its size and SHA-256.
static async Task CheckCatalog(WebApplication app, string accountId, string root)
{
    var reader = app.Services.GetRequiredService<Backazon.Backend.Catalog.CatalogReader>();
    var device = (await app.Services.GetRequiredService<Backazon.Backend.Accounts.AccountStore>().ListDevicesAsync(accountId)).Single().DeviceId;
    var catalog = new Dictionary<string, CatalogItem>();
    await foreach (var item in reader.ListTreeAsync(accountId, device, Backazon.Uploader.Scanning.CatalogPath.FromLocal(root), DateTimeOffset.UtcNow.AddMinutes(1)))
    {
        catalog[item.Path] = item;
    }

    var files = Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }).ToList();
    var wrong = 0;
    foreach (var file in files)
    {
        var item = catalog.GetValueOrDefault(Backazon.Uploader.Scanning.CatalogPath.FromLocal(file));
        var hash = (await Backazon.Uploader.Planning.ContentHasher.HashAsync(file)).Hash;
        if (item is null || item.Size != new FileInfo(file).Length || item.Hash != hash)
        {
            wrong++;
        }
    }

    Console.WriteLine($"Catalog check: {files.Count - wrong:N0} of {files.Count:N0} files cataloged with the right size and hash.");
    if (wrong > 0)
    {
        throw new InvalidOperationException($"{wrong} files are missing from the catalog or wrong.");
    }
}

async Task<(TimeSpan Time, long PeakBytes)> RunCli(params string[] arguments)
{
    var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
    start.ArgumentList.Add(cli);
    foreach (var argument in arguments)
    {
        start.ArgumentList.Add(argument);
    }

    start.Environment["BACKAZON_CONFIG_DIR"] = config;
    start.Environment["CI"] = "true"; // plain output
    var clock = Stopwatch.StartNew();
    using var process = Process.Start(start)!;
    var output = process.StandardOutput.ReadToEndAsync();
    var error = process.StandardError.ReadToEndAsync();
    long peak = 0;
    while (!process.HasExited)
    {
        peak = Math.Max(peak, PeakRss(process.Id));
        await Task.WhenAny(process.WaitForExitAsync(), Task.Delay(50));
    }

    clock.Stop();
    Console.WriteLine($"$ backazon {string.Join(' ', arguments)}  ({clock.Elapsed.TotalSeconds:N1} s, exit {process.ExitCode})");
    Console.WriteLine((await output).Trim().Split('\n').LastOrDefault());
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"backazon {arguments[0]} failed: {await error}{await output}");
    }

    return (clock.Elapsed, peak);
}

static long PeakRss(int pid)
{
    try
    {
        // VmHWM: the process's peak resident set so far.
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:"));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
    catch (IOException)
    {
        return 0;
    }
}

static async Task<TimeSpan> PlainUpload(string connectionString, string root)
{
    var container = new BlobContainerClient(connectionString, "baseline");
    await container.CreateIfNotExistsAsync();
    var files = Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }).ToList();
    var clock = Stopwatch.StartNew();
    await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (file, ct) =>
        await container.GetBlobClient(Path.GetRelativePath(root, file)).UploadAsync(file, overwrite: true, ct));
    return clock.Elapsed;
}

static (int Count, long Bytes) Generate(string root, int count, int largeMiB)
{
    var random = new Random(1);
    string[] names = ["résumé", "re\u0301sume\u0301", "日本語", "emoji 😀", "notes", "photo"];
    long total = 0;
    for (var i = 0; i < count; i++)
    {
        var folder = Path.Combine(root, $"folder-{i / 1000:D3}", $"sub-{i / 100 % 10:D2}");
        Directory.CreateDirectory(folder);
        var size = i % 20 == 0 ? 0 : random.Next(100, 64 * 1024);
        var bytes = new byte[size];
        random.NextBytes(bytes);
        File.WriteAllBytes(Path.Combine(folder, $"{names[i % names.Length]} {i:D5}.dat"), bytes);
        total += size;
    }

    if (largeMiB > 0)
    {
        using var large = File.Create(Path.Combine(root, "large.bin"));
        var chunk = new byte[1024 * 1024];
        for (var i = 0; i < largeMiB; i++)
        {
            random.NextBytes(chunk);
            large.Write(chunk);
        }

        total += (long)largeMiB * 1024 * 1024;
        count++;
    }

    return (count, total);
}

using System.Diagnostics;
using System.Text.Json;
using Backazon.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Backazon.IntegrationTests.Engine;

/// <summary>
/// The real CLI, as a process of its own, killed with SIGKILL mid-backup (a laptop lid, a
/// reboot): each rerun goes on from where the last one stopped, the catalog ends exactly like
/// the tree, and what is sent again stays within what was in flight at each kill.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class KilledBackupTests(BackendFixture backend, ITestOutputHelper output) : IAsyncLifetime
{
    private const long MiB = 1024 * 1024;

    // What one kill may cost: two batches being sent (small files, all under 8 KiB here, 500 a
    // batch) plus a large file's blocks in flight (4 × 4 MiB), plus the 4 MiB a status line may lag.
    private const long InFlightPerKill = 2 * 500 * 8 * 1024 + 4 * 4 * MiB + 4 * MiB;

    private readonly string _tree = Directory.CreateTempSubdirectory("backazon-killed-").FullName;
    private CliHarness _machine = null!;

    public async Task InitializeAsync() => _machine = await CliHarness.EnrollAsync(backend);

    [Fact]
    public async Task Backup_KilledAtFiveRandomPoints_CompletesOnRerunWithExactCatalogAndLittleSentTwice()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var files = MakeTree(random, smallFiles: 3000, largeBytes: 192 * MiB);
        var treeBytes = files.Sum(f => f.Value.Length);

        // Points spread over the whole run: some by time (scanning, hashing, committing), some
        // once a random share of the bytes has gone (mid-upload, mid-block).
        long sent = 0;
        for (var kill = 0; kill < 5; kill++)
        {
            sent += kill % 2 == 0
                ? await RunAndKillAsync(TimeSpan.FromMilliseconds(random.Next(500, 4000)))
                : await RunAndKillAsync(sentAtLeast: random.NextInt64(1 * MiB, 48 * MiB));
        }

        var (code, summaryOut) = await RunToEndAsync();
        Assert.Equal(0, code);
        sent += summaryOut;

        output.WriteLine($"tree {treeBytes:N0} bytes; sent over six runs {sent:N0} bytes; allowed {treeBytes + 5 * InFlightPerKill:N0}");
        Assert.True(sent <= treeBytes + 5 * InFlightPerKill, $"sent {sent:N0} bytes for a {treeBytes:N0}-byte tree over 5 kills");
        await AssertCatalogIsExactlyAsync(files);
    }

    [Fact]
    public async Task Backup_Of1GiBKilledHalfway_SendsLessThan60PercentAgain()
    {
        var random = new Random(1);
        var big = new byte[1024 * MiB];
        random.NextBytes(big);
        await File.WriteAllBytesAsync(Path.Combine(_tree, "disk.img"), big);

        var before = await RunAndKillAsync(sentAtLeast: big.Length / 2);
        var (code, again) = await RunToEndAsync();

        output.WriteLine($"sent {before:N0} bytes before the kill, {again:N0} after it ({100.0 * again / big.Length:0.0}% of the file)");
        Assert.Equal(0, code);
        Assert.True(before >= big.Length / 2);
        Assert.True(again < big.Length * 0.6, $"the rerun sent {again:N0} bytes of a {big.Length:N0}-byte file");
        await AssertCatalogIsExactlyAsync(new Dictionary<string, byte[]> { [Path.Combine(_tree, "disk.img")] = big });
    }

    /// <summary>An edit of a big file killed while its new chunks go: the rerun (whose index
    /// already holds the new hash, so it names no base) still reuses what the base holds and sends
    /// the new chunks (those in flight at the kill at most twice), not the file.</summary>
    [Fact]
    public async Task Backup_OfAnEditKilledHalfway_RerunSendsOnlyTheRestOfTheNewChunks()
    {
        var random = new Random(5);
        var big = new byte[64 * MiB];
        random.NextBytes(big);
        var path = Path.Combine(_tree, "mail.db");
        await File.WriteAllBytesAsync(path, big);
        Assert.Equal(0, (await RunToEndAsync()).Code);

        var edit = new byte[16 * MiB];
        random.NextBytes(edit);
        edit.CopyTo(big, 24 * (int)MiB);
        await File.WriteAllBytesAsync(path, big);
        var before = await RunAndKillAsync(sentAtLeast: 6 * MiB, extra: ["--max-upload-rate", "4MB"]);
        var (code, again) = await RunToEndAsync();

        output.WriteLine($"edit of 16 MiB: sent {before:N0} bytes before the kill, {again:N0} after it");
        Assert.Equal(0, code);
        Assert.True(before >= 6 * MiB);
        Assert.True(again < 24 * MiB && before + again < 40 * MiB, $"{before:N0} + {again:N0} bytes sent for a 16 MiB edit of a {big.Length:N0}-byte file");
        await AssertCatalogIsExactlyAsync(new Dictionary<string, byte[]> { [path] = big });
    }

    /// <summary>Runs a backup and kills it (SIGKILL) after <paramref name="after"/>, or once it has
    /// sent <paramref name="sentAtLeast"/> bytes; returns the bytes it reported sent by then.</summary>
    private async Task<long> RunAndKillAsync(TimeSpan? after = null, long sentAtLeast = long.MaxValue, string[]? extra = null)
    {
        using var process = _machine.Start(["backup", _tree, "--json", .. extra ?? []]);
        var clock = Stopwatch.StartNew();
        long sent = 0;
        var deadline = after ?? TimeSpan.FromMinutes(5);
        while (await ReadLineAsync(process, deadline - clock.Elapsed) is { } line)
        {
            sent = Math.Max(sent, BytesSent(line) ?? 0);
            if (sent >= sentAtLeast || clock.Elapsed >= deadline)
            {
                break;
            }
        }

        process.Kill(entireProcessTree: true); // SIGKILL: no cleanup runs
        await process.WaitForExitAsync();
        output.WriteLine($"killed after {clock.Elapsed.TotalSeconds:0.0} s, {sent:N0} bytes sent");
        return sent;
    }

    private async Task<(int Code, long Sent)> RunToEndAsync()
    {
        using var process = _machine.Start("backup", _tree, "--json");
        long sent = 0;
        string? line;
        while ((line = await process.StandardOutput.ReadLineAsync()) is not null)
        {
            if (line.Contains("\"summary\"", StringComparison.Ordinal))
            {
                using var json = JsonDocument.Parse(line);
                sent = json.RootElement.GetProperty("summary").GetProperty("bytesSent").GetInt64();
            }
        }

        await process.WaitForExitAsync();
        output.WriteLine($"final run: exit {process.ExitCode}, {sent:N0} bytes sent; {await process.StandardError.ReadToEndAsync()}");
        return (process.ExitCode, sent);
    }

    private static async Task<string?> ReadLineAsync(Process process, TimeSpan within)
    {
        if (within <= TimeSpan.Zero)
        {
            return null;
        }

        using var timeout = new CancellationTokenSource(within);
        try
        {
            return await process.StandardOutput.ReadLineAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private static long? BytesSent(string line)
    {
        if (!line.Contains("\"status\"", StringComparison.Ordinal))
        {
            return null;
        }

        using var json = JsonDocument.Parse(line);
        return json.RootElement.GetProperty("bytesSent").GetInt64();
    }

    private Task AssertCatalogIsExactlyAsync(IReadOnlyDictionary<string, byte[]> files) => CatalogAssert.ExactlyAsync(_machine.Api, _tree, files);

    private Dictionary<string, byte[]> MakeTree(Random random, int smallFiles, long largeBytes)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (var i = 0; i < smallFiles; i++)
        {
            var folder = Path.Combine(_tree, $"f{i % 40:D2}", $"g{i % 7}");
            Directory.CreateDirectory(folder);
            var bytes = new byte[random.Next(1, 8 * 1024)];
            random.NextBytes(bytes);
            files[Path.Combine(folder, $"file-{i:D4}.bin")] = bytes;
        }

        var large = new byte[largeBytes];
        random.NextBytes(large);
        files[Path.Combine(_tree, "large.bin")] = large;
        foreach (var (path, bytes) in files)
        {
            File.WriteAllBytes(path, bytes);
        }

        return files;
    }

    public Task DisposeAsync()
    {
        _machine.Dispose();
        Directory.Delete(_tree, recursive: true);
        return Task.CompletedTask;
    }
}

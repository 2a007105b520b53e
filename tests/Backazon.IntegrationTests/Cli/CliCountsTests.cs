using System.Globalization;
using System.Text.Json;
using Backazon.IntegrationTests.Infrastructure;

namespace Backazon.IntegrationTests.Cli;

/// <summary>Counts a person compares (issue 27, item 6), with the real CLI as a process: a run
/// interrupted after it sent bytes says what it sent, in status and in "runs".</summary>
[Collection(BackendCollection.Name)]
public sealed class CliCountsTests(BackendFixture backend) : IAsyncLifetime
{
    private readonly string _tree = Directory.CreateTempSubdirectory("backazon-tree-").FullName;
    private CliHarness _machine = null!;

    public async Task InitializeAsync() => _machine = await CliHarness.EnrollAsync(backend);

    [Fact]
    public async Task InterruptedRun_AfterSendingBytes_IsInRunsAndStatusWithWhatItSent()
    {
        // Random, so nothing is found stored; paced to 256 KB/s, 4 MB take some 16 seconds.
        await File.WriteAllBytesAsync(Path.Combine(_tree, "big.bin"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(4 * 1024 * 1024));
        using var process = _machine.Start("backup", _tree, "--json", "--max-upload-rate", "256KB");
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line
               && !(line.Contains("\"status\"") && JsonDocument.Parse(line).RootElement.GetProperty("bytesSent").GetInt64() > 0))
        {
        }

        using (var interrupt = System.Diagnostics.Process.Start("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await interrupt.WaitForExitAsync(timeout.Token);
        }

        var drain = process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        await drain;
        Assert.True(process.ExitCode == 130, await error);

        var runs = (await _machine.RunProcessAsync("runs", "--json")).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var run = JsonDocument.Parse(Assert.Single(runs)).RootElement;
        Assert.False(run.GetProperty("complete").GetBoolean());
        Assert.True(run.GetProperty("bytesSent").GetInt64() > 0, runs[0]);
        var lastRun = JsonDocument.Parse((await _machine.RunProcessAsync("status", "--json")).Out).RootElement.GetProperty("lastRun");
        Assert.Equal("interrupted", lastRun.GetProperty("outcome").GetString());
        Assert.Equal(run.GetProperty("bytesSent").GetInt64(), lastRun.GetProperty("bytesSent").GetInt64());
    }

    public Task DisposeAsync()
    {
        _machine.Dispose();
        Directory.Delete(_tree, recursive: true);
        return Task.CompletedTask;
    }
}

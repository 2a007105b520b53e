using Backazon.IntegrationTests.Infrastructure;
using Backazon.Uploader.Agent;
using Backazon.Uploader.Configuration;
using Xunit.Abstractions;

namespace Backazon.IntegrationTests.Agent;

/// <summary>
/// The agent killed (SIGKILL: a power cut, a crash) at random points of its runs, ten times, on a
/// tree that keeps changing: the run after each kill completes, the catalog then matches the tree
/// exactly, and what is sent twice stays within what was in flight at each kill.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class KilledAgentTests(BackendFixture backend, ITestOutputHelper output) : IAsyncLifetime
{
    private const long MiB = 1024 * 1024;
    private const int Kills = 10;

    // What one kill may cost: two batches being sent (files under 8 KiB here, 500 a batch), a
    // large file's blocks in flight (4 × 4 MiB), and the 4 MiB a status line may lag.
    private const long InFlightPerKill = 2 * 500 * 8 * 1024 + 4 * 4 * MiB + 4 * MiB;

    private readonly string _tree = Directory.CreateTempSubdirectory("backazon-agent-killed-").FullName;
    private CliHarness _machine = null!;

    private StateFolder State => new(Path.Combine(_machine.ConfigPath, "state"));

    public async Task InitializeAsync()
    {
        _machine = await CliHarness.EnrollAsync(backend);
        _machine.Write(BackupSettings.FileName, new BackupSettings([_tree], null));
    }

    [Fact]
    public async Task Agent_KilledAtTenRandomPointsOfItsRuns_EachNextRunCompletes_CatalogExact_LittleSentTwice()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        long changedBytes = 0, sent = 0;
        for (var kill = 0; kill < Kills; kill++)
        {
            changedBytes += ChangeTree(random, kill);
            await using (var agent = StartAgent())
            {
                await Eventually.HoldsAsync(() => AgentStatus.Read(State).RunningSince is not null, "a run starts", 30);
                var until = DateTime.UtcNow.AddMilliseconds(random.Next(200, 3000));
                var bytes = random.NextInt64(1 * MiB, 24 * MiB);
                await Eventually.HoldsAsync(() => DateTime.UtcNow >= until || agent.BytesSent >= bytes || agent.RunsFinished > 0, "the kill point is reached", 60);
                await agent.KillAsync();
                output.WriteLine($"kill {kill + 1}: {agent.BytesSent:N0} bytes sent, run {(agent.RunsFinished > 0 ? "had finished" : "in progress")}");
                sent += agent.BytesSent;
            }

            await using (var next = StartAgent())
            {
                await next.RunsFinishedAsync(1, timeoutSeconds: 120);
                sent += next.BytesSent;
                Assert.Equal(RunRecord.Completed, RunRecord.Read(State)!.Outcome);
                await next.KillAsync();
            }

            await CatalogAssert.MatchesDiskAsync(_machine.Api, _tree);
        }

        output.WriteLine($"changed {changedBytes:N0} bytes over {Kills} rounds; sent {sent:N0}; allowed {changedBytes + Kills * InFlightPerKill:N0}");
        Assert.True(sent <= changedBytes + Kills * InFlightPerKill, $"sent {sent:N0} bytes for {changedBytes:N0} changed over {Kills} kills");
    }

    private AgentProcess StartAgent() => AgentProcess.Start(_machine, null, "--interval", "1s", "--tick", "1s");

    /// <summary>New small files each round, a few edited, and every third round a large file;
    /// returns the bytes of new content.</summary>
    private long ChangeTree(Random random, int round)
    {
        long bytes = 0;
        for (var i = 0; i < 150; i++)
        {
            bytes += WriteRandom(Path.Combine(_tree, $"r{round:D2}", $"g{i % 5}", $"file-{i:D3}.bin"), random.Next(1, 8 * 1024), random);
        }

        if (round > 0)
        {
            for (var i = 0; i < 20; i++)
            {
                bytes += WriteRandom(Path.Combine(_tree, $"r{round - 1:D2}", $"g{i % 5}", $"file-{i:D3}.bin"), random.Next(1, 8 * 1024), random);
            }
        }

        if (round % 3 == 0)
        {
            bytes += WriteRandom(Path.Combine(_tree, $"large-{round}.bin"), (int)(random.Next(12, 24) * MiB), random);
        }

        return bytes;
    }

    private static long WriteRandom(string path, int size, Random random)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = new byte[size];
        random.NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        return size;
    }

    public Task DisposeAsync()
    {
        _machine.Dispose();
        Directory.Delete(_tree, recursive: true);
        return Task.CompletedTask;
    }
}

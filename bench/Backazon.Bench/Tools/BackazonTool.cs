using System.Text.Json;
using System.Text.Json.Nodes;
using Backazon.Bench.Measuring;

namespace Backazon.Bench.Tools;

/// <summary>
/// The real `backazon` CLI (a separate process, as users run it), enrolled against the local
/// backend through the API proxy. A backup returns when the backend has confirmed the catalog:
/// the CLI waits for it, so the time includes the backend's check of every byte.
/// </summary>
/// <param name="launcher">A command line the CLI runs under (`nice -n 19 ionice -c 3`, say), or none.</param>
public sealed class BackazonTool(string cliDll, string configFolder, IReadOnlyList<string>? launcher = null) : IBackupTool
{
    public string Name => "Backazon";
    public bool Incremental => true;

    public async Task EnrollAsync(Uri server, string code)
    {
        var run = await CliAsync("enroll", "--server", server.ToString().TrimEnd('/'), "--code", code, "--name", "bench");
        if (run.ExitCode != 0)
        {
            throw new ToolFailedException(Name, run);
        }
    }

    /// <summary>How many runs a step may take to see everything confirmed.</summary>
    private const int MaxRunsPerStep = 5;

    public async Task<ProcessRun> BackupAsync(string tree)
    {
        ProcessRun? total = null;
        for (var i = 0; i < MaxRunsPerStep; i++)
        {
            var run = await CliAsync("backup", tree, "--json");
            // 3: finished with files skipped (each listed); the bench reports it rather than stop.
            total = total is null ? run : total.Then(run);
            if (run.ExitCode is not (0 or 3))
            {
                throw new ToolFailedException(Name, total);
            }

            // The CLI stops waiting for the catalog after a while; the next run waits for the rest
            // first. A step ends only when the backend has confirmed everything it was sent.
            if (Summaries(run).LastOrDefault()?["waitedForCatalog"]?.GetValue<bool>() != false)
            {
                break;
            }
        }

        return total!;
    }

    /// <summary>The JSON summary of each `backup --json` run in this output, in order.</summary>
    public static IReadOnlyList<JsonNode> Summaries(ProcessRun run) =>
        [.. run.Output.Split('\n').Where(l => l.Contains("\"summary\"", StringComparison.Ordinal)).Select(ParseSummary).OfType<JsonNode>()];

    private static JsonNode? ParseSummary(string line)
    {
        try
        {
            return JsonNode.Parse(line)?["summary"];
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public async Task<(ProcessRun Run, string RestoredTree)> RestoreAsync(string tree, string target)
    {
        var run = await CliAsync("restore", tree, "--to", target);
        return run.ExitCode == 0 ? (run, Path.Combine(target, Path.GetFileName(tree))) : throw new ToolFailedException(Name, run);
    }

    private Task<ProcessRun> CliAsync(params string[] arguments)
    {
        string[] command = [.. launcher ?? [], "dotnet", cliDll, .. arguments];
        return MeasuredProcess.RunAsync(command[0], command[1..], new Dictionary<string, string>
        {
            ["BACKAZON_CONFIG_DIR"] = configFolder,
            ["CI"] = "true", // plain output, no live view
            ["DOTNET_NOLOGO"] = "1",
        });
    }
}

using System.CommandLine;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Ui;

namespace Backazon.Uploader.Commands;

/// <summary>"backazon runs" (or "history"): past backup runs, newest first, as restic's "snapshots".</summary>
public static class RunsCommand
{
    public static Command Create(CliContext cli)
    {
        var device = new Option<string?>("--device") { Description = "Another device of your account, by name or id" };
        var limit = new Option<int?>("--limit", "-n") { Description = "At most this many runs (default: all that are kept)" };
        var json = new Option<bool>("--json") { Description = "Print JSON lines (exact times)" };
        var command = new Command("runs", "List past backup runs, newest first: when, complete or not, what changed, what was sent") { device, limit, json };
        command.Aliases.Add("history");
        command.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            if (parse.GetValue(limit) is < 1)
            {
                throw new CliException("--limit must be at least 1.");
            }

            using var client = cli.DeviceClient();
            var deviceId = await RestoreCommands.DeviceIdAsync(client, parse.GetValue(device), cancellationToken);
            var left = parse.GetValue(limit) ?? int.MaxValue;
            string? continuation = null;
            var any = false;
            do
            {
                var page = await client.RunsAsync(deviceId, continuation, Math.Min(left, Contracts.RunLimits.PageSize), cancellationToken);
                foreach (var run in page.Items)
                {
                    any = true;
                    await cli.Out.WriteLineAsync(parse.GetValue(json) ? HistoryViews.RunJson(run) : HistoryViews.RunLine(run));
                }

                left -= page.Items.Count;
                continuation = page.Continuation;
            }
            while (continuation is not null && left > 0);

            if (!any)
            {
                await cli.Error.WriteLineAsync("No backup runs are recorded yet (runs are kept as long as the plan keeps old versions, at most a year).");
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}

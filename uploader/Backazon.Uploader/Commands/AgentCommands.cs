using System.CommandLine;
using Backazon.Uploader.Agent;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Configuration;
using Backazon.Uploader.Ui;

namespace Backazon.Uploader.Commands;

/// <summary>"backazon agent", "pause [DURATION]" and "resume".</summary>
public static class AgentCommands
{
    public static IEnumerable<Command> Create(CliContext cli)
    {
        yield return Agent(cli);
        yield return Pause(cli);
        yield return Resume(cli);
    }

    private static Command Agent(CliContext cli)
    {
        var interval = new Option<string?>("--interval") { Description = "Back up this often, e.g. 6h (default: \"interval\" in config.json, else once a day)" };
        var rate = new Option<string?>("--max-upload-rate") { Description = "Upload at most this much per second, e.g. 2MB (default: \"maxUploadRate\" in config.json, else no limit)" };
        var json = new Option<bool>("--json") { Description = "Print each run's progress as JSON lines, as 'backup --json' does, and a \"run\" record as each run ends (with its error when it failed)" };
        // For tests and for people who debug: how fast the agent looks around and backs off.
        var tick = new Option<string?>("--tick") { Hidden = true };
        var retryDelay = new Option<string?>("--retry-delay") { Hidden = true };
        var command = new Command("agent", "Run the background agent in the foreground: back up on a schedule until stopped ('backazon install' runs it as a service)")
        {
            interval, rate, json, tick, retryDelay,
        };
        command.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            var options = new AgentOptions
            {
                Interval = parse.GetValue(interval) is { } i ? Duration.Parse(i, "--interval") : null,
                MaxUploadRate = parse.GetValue(rate) is { } m ? UploadRate.Parse(m, "--max-upload-rate") : null,
                RunView = parse.GetValue(json) ? () => new JsonProgressView(cli.Out) : null,
                // A line per run (and the error when one fails) where the agent runs in sight.
                RunEnded = parse.GetValue(json) ? AgentRunLines.JsonLines(cli.Out) : AgentRunLines.Text(cli.Out),
            };
            if (parse.GetValue(tick) is { } t)
            {
                options = options with { Tick = Duration.Parse(t, "--tick") };
            }

            if (parse.GetValue(retryDelay) is { } r)
            {
                var first = Duration.Parse(r, "--retry-delay");
                options = options with { RetryDelay = first, MaxRetryDelay = first * 8, ProbeInterval = first };
            }

            using var running = RunLock.TryTake(cli.State.AgentLockFile)
                ?? throw new CliException($"The agent is already running (pid {AgentStatus.Read(cli.State).Pid}); 'backazon status' says what it is doing.");
            return await AgentHost.RunAsync(cli, options, cancellationToken);
        }));
        return command;
    }

    private static Command Pause(CliContext cli)
    {
        var duration = new Argument<string?>("duration") { Description = "How long, e.g. 2h or 1d (default: until 'backazon resume')", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("pause", "Stop backing up for a while; a backup in progress stops within seconds and goes on from there when resumed") { duration };
        command.SetAction(parse => cli.Run(() =>
        {
            var now = cli.Clock.GetUtcNow();
            var until = parse.GetValue(duration) is { } text ? now + Duration.Parse(text, "The pause") : (DateTimeOffset?)null;
            PauseFile.Set(cli.State, new Pause(now, until));
            cli.Out.WriteLine(until is { } end
                ? $"Paused until {Times.Local(end)}; 'backazon resume' ends it sooner."
                : "Paused until you run 'backazon resume'.");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Resume(CliContext cli)
    {
        var command = new Command("resume", "End a pause: backups go on at their schedule");
        command.SetAction(parse => cli.Run(() =>
        {
            cli.Out.WriteLine(PauseFile.Clear(cli.State) ? "Resumed: the agent backs up again on its schedule (at once if a backup is due)." : "Nothing was paused.");
            return ExitCodes.Success;
        }));
        return command;
    }
}

using Backazon.Uploader.Cli;

namespace Backazon.Uploader.Commands;

/// <summary>How every command's body runs: its failures become one sentence and an exit code.</summary>
public static class CommandBodies
{
    /// <summary>Runs a command body: every failure a person can meet becomes one sentence on
    /// standard error and its exit code (see <see cref="FailureSentence"/>).</summary>
    /// <param name="jsonFailure">whether the command prints JSON lines: then its failure ends them
    /// too, as an "error" record, so a script reading them learns why.</param>
    public static async Task<int> RunAsync(this CliContext cli, Func<Task<int>> body, bool jsonFailure = false)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (FailureSentence.For(e) is { } failure)
        {
            if (jsonFailure)
            {
                await cli.Out.WriteLineAsync(System.Text.Json.JsonSerializer.Serialize(new { messageType = "error", error = failure.Sentence, exitCode = failure.ExitCode }));
            }

            await cli.Error.WriteLineAsync(failure.Sentence);
            return failure.ExitCode;
        }
    }

    /// <summary>The same, for a command body that needs no network.</summary>
    public static int Run(this CliContext cli, Func<int> body) => cli.RunAsync(() => Task.FromResult(body())).GetAwaiter().GetResult();
}

using System.ComponentModel;
using System.Diagnostics;

namespace Backazon.Uploader.Service;

/// <summary>Runs the service manager's tools (systemctl, launchctl, schtasks). A seam, so tests
/// can see which commands an install would run without running them.</summary>
public interface ICommandRunner
{
    Task<CommandResult> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default);
}

/// <summary>How a command ended; <see cref="Found"/> is false when the program is not installed.</summary>
public sealed record CommandResult(bool Found, int ExitCode, string Output, string Error)
{
    public bool Succeeded => Found && ExitCode == 0;

    /// <summary>Why it failed, in a few words: the tool's own first line of complaint.</summary>
    public string Problem(string program) =>
        !Found ? $"{program} is not installed"
        : FirstLine(Error) ?? FirstLine(Output) ?? $"{program} exited with code {ExitCode}";

    private static string? FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
}

/// <summary>Runs commands as child processes, capturing what they print.</summary>
public sealed class ProcessCommandRunner : ICommandRunner
{
    public async Task<CommandResult> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception)
        {
            // The program is not on PATH (no systemd, not macOS, ...): a fact to report, not a crash.
            return new CommandResult(Found: false, -1, "", "");
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return new CommandResult(Found: true, process.ExitCode, await output, await error);
        }
    }
}

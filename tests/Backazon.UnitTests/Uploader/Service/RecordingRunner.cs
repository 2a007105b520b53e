using Backazon.Uploader.Service;

namespace Backazon.UnitTests.Uploader.Service;

/// <summary>Records the commands an installer runs and answers each with a result chosen by
/// the test (success by default), without running anything.</summary>
public sealed class RecordingRunner(Func<string, IReadOnlyList<string>, CommandResult>? answer = null) : ICommandRunner
{
    public static readonly CommandResult Ok = new(true, 0, "", "");

    public List<string> Commands { get; } = [];

    /// <summary>Called with each command before it is answered (to read a file it names while it exists).</summary>
    public Action<IReadOnlyList<string>>? Seen { get; init; }

    public Task<CommandResult> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        Commands.Add(string.Join(' ', [program, .. arguments]));
        Seen?.Invoke(arguments);
        return Task.FromResult(answer?.Invoke(program, arguments) ?? Ok);
    }
}

using Azure;
using Backazon.Uploader.Agent;
using Backazon.Uploader.Api;
using Backazon.Uploader.Cli;

namespace Backazon.Uploader.Commands;

/// <summary>
/// What a person is told when a command fails: one sentence that says what to do, and the exit
/// code, for every failure a person can cause or meet — a refusal, a server or storage that
/// cannot be reached, a file system that says no, Ctrl+C. Anything else is a bug of ours and
/// keeps its stack trace, so it can be reported.
/// </summary>
public static class FailureSentence
{
    public const string Interrupted = "Interrupted; run it again to continue.";

    /// <summary>The sentence and exit code for <paramref name="e"/>, or null for a bug.</summary>
    public static (string Sentence, int ExitCode)? For(Exception e) => e switch
    {
        // Only Ctrl+C (or SIGTERM) cancels a command; timeouts are turned into sentences below.
        OperationCanceledException => (Interrupted, ExitCodes.Interrupted),
        BackazonApiException => (Ui.ServerWords.Localize(e.Message), ExitCodes.Failure),
        CliException or BackupBusyException => (e.Message, ExitCodes.Failure),
        // The storage SDK gives up after its retries with an AggregateException of every attempt.
        AggregateException aggregate => For(aggregate.Flatten().InnerExceptions.FirstOrDefault(i => i is not OperationCanceledException)
            ?? aggregate.InnerExceptions[0]),
        RequestFailedException { Status: 0 } unreachable =>
            ($"Cannot reach the storage Backazon uploads to: {NetworkFailure.Reason(unreachable)}. Nothing sent so far is lost; run it again to continue.", ExitCodes.Failure),
        RequestFailedException refused =>
            ($"Storage refused a request ({refused.Status} {refused.ErrorCode}). Nothing sent so far is lost; run it again to continue.", ExitCodes.Failure),
        HttpRequestException http =>
            ($"A download or upload could not reach its server: {NetworkFailure.Reason(http)}. Run it again to continue.", ExitCodes.Failure),
        UnauthorizedAccessException denied => ($"{denied.Message.TrimEnd('.')}: check its permissions, then run it again.", ExitCodes.Failure),
        IOException io => ($"{io.Message.TrimEnd('.')}.", ExitCodes.Failure),
        _ => null,
    };
}

using Azure;
using Azure.Data.Tables;
using Backazon.Backend.Errors;
using Polly;
using Polly.Retry;

namespace Backazon.Backend.Accounts;

/// <summary>
/// Tries again an optimistic write that lost its race (an ETag that moved, a row added or removed
/// meanwhile): a bounded number of times, with exponential, jittered pauses, so many devices of
/// one account writing its row at once spread out instead of retrying in lockstep. When the
/// tries run out the caller is told the account is busy (HTTP 503 with Retry-After: nothing was
/// changed, and the uploader asks again on its own).
/// </summary>
public static class OptimisticRetry
{
    /// <summary>Tries in all; with the pauses below, about five seconds in the worst case.</summary>
    public const int MaxAttempts = 10;

    private static readonly ResiliencePipeline Pipeline = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<RaceLostException>(),
            MaxRetryAttempts = MaxAttempts - 1,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(20),
            MaxDelay = TimeSpan.FromSeconds(1),
        })
        .Build();

    /// <summary>Runs <paramref name="attempt"/> until it returns; it throws
    /// <see cref="RaceLostException"/> (see <see cref="Lost"/>) to be run again.</summary>
    /// <exception cref="BackazonException">Busy: every try lost its race.</exception>
    public static async Task<T> RunAsync<T>(Func<CancellationToken, ValueTask<T>> attempt, CancellationToken cancellationToken)
    {
        try
        {
            return await Pipeline.ExecuteAsync(attempt, cancellationToken);
        }
        catch (RaceLostException)
        {
            throw BackazonException.Busy("The account is busy with other uploads right now; try again in a moment.");
        }
    }

    public static Task RunAsync(Func<CancellationToken, ValueTask> attempt, CancellationToken cancellationToken) =>
        RunAsync<bool>(async ct =>
        {
            await attempt(ct);
            return true;
        }, cancellationToken);

    /// <summary>Whether a storage failure means the write lost an optimistic race: its ETag moved
    /// (412), the row it adds exists (409), or the row it expects is gone (404).</summary>
    public static bool IsRace(RequestFailedException e) => e is { Status: 404 or 409 or 412 };

    /// <summary>What an attempt throws when it lost: try again.</summary>
    public static RaceLostException Lost(Exception? because = null) => new(because);
}

/// <summary>An optimistic write lost its race; <see cref="OptimisticRetry"/> runs the step again.</summary>
public sealed class RaceLostException(Exception? inner) : Exception("An optimistic write lost its race.", inner);

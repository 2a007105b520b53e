using Backazon.Backend.Accounts;
using Backazon.Backend.Errors;

namespace Backazon.UnitTests.Backend;

public sealed class OptimisticRetryTests
{
    [Fact]
    public async Task ALostRace_IsTriedAgain_UntilTheStepReturns()
    {
        var tries = 0;
        var result = await OptimisticRetry.RunAsync(_ => ++tries < 3 ? throw OptimisticRetry.Lost() : ValueTask.FromResult("written"), CancellationToken.None);

        Assert.Equal(("written", 3), (result, tries));
    }

    [Fact]
    public async Task RacesLostEveryTime_StopAfterTheLastTry_AsBusy()
    {
        var tries = 0;
        var busy = await Assert.ThrowsAsync<BackazonException>(() =>
            OptimisticRetry.RunAsync<int>(_ => { tries++; throw OptimisticRetry.Lost(); }, CancellationToken.None));

        Assert.Equal(OptimisticRetry.MaxAttempts, tries);
        Assert.Equal(ProblemKind.Busy, busy.Kind);
    }

    [Fact]
    public async Task OtherFailures_AreNotTriedAgain()
    {
        var tries = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            OptimisticRetry.RunAsync<int>(_ => { tries++; throw new InvalidOperationException("a bug"); }, CancellationToken.None));

        Assert.Equal(1, tries);
    }
}

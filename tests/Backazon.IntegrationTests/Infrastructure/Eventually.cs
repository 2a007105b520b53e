namespace Backazon.IntegrationTests.Infrastructure;

/// <summary>Awaits a condition that background work makes true, polling briefly; fails with the
/// given message if it does not hold within the timeout.</summary>
public static class Eventually
{
    public static async Task HoldsAsync(Func<Task<bool>> condition, string because, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Not within {timeoutSeconds} s: {because}");
            }

            await Task.Delay(50);
        }
    }

    public static Task HoldsAsync(Func<bool> condition, string because, int timeoutSeconds = 30) =>
        HoldsAsync(() => Task.FromResult(condition()), because, timeoutSeconds);

    /// <summary>Awaits a value that background work makes appear (non-null), and returns it.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T?>> read, string because, int timeoutSeconds = 30)
        where T : class
    {
        T? value = null;
        await HoldsAsync(async () => (value = await read()) is not null, because, timeoutSeconds);
        return value!;
    }
}

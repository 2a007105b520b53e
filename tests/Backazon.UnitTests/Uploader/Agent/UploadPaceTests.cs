using Backazon.Uploader.Uploading;

namespace Backazon.UnitTests.Uploader.Agent;

public sealed class UploadPaceTests
{
    [Fact]
    public async Task Unlimited_NeverWaits_AndReadsWhole()
    {
        using var pace = new UploadPace();
        await using var stream = new PacedStream(new MemoryStream(new byte[1 << 20]), pace);
        var buffer = new byte[1 << 20];

        Assert.True(pace.TakeAsync(1 << 20, CancellationToken.None).IsCompleted);
        Assert.Equal(1 << 20, await stream.ReadAsync(buffer));
    }

    [Fact]
    public async Task Limited_ReadsAtMostATenthOfASecondsWorth_ThenWaitsForTheBucket()
    {
        using var pace = new UploadPace(100 * 1024);
        await using var stream = new PacedStream(new MemoryStream(new byte[1 << 20]), pace);
        var buffer = new byte[1 << 20];

        Assert.Equal(10 * 1024, await stream.ReadAsync(buffer)); // the bucket's first refill
        var next = stream.ReadAsync(buffer).AsTask();
        Assert.False(next.IsCompleted, "the second read did not wait for the bucket to refill");
        Assert.Equal(10 * 1024, await next);
    }

    [Fact]
    public async Task RateChangedWhileWaiting_TheWaiterGoesOnUnderTheNewRate()
    {
        using var pace = new UploadPace(10 * 1024);
        await pace.TakeAsync(1024, CancellationToken.None); // the bucket is empty now
        var waiting = pace.TakeAsync(1024, CancellationToken.None).AsTask();

        pace.BytesPerSecond = 0;

        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(pace.TakeAsync(1 << 20, CancellationToken.None).IsCompleted);
    }
}

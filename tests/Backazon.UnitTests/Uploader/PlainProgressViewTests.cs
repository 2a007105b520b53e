using Backazon.Uploader.Ui;
using Microsoft.Extensions.Time.Testing;

namespace Backazon.UnitTests.Uploader;

public sealed class PlainProgressViewTests
{
    [Fact]
    public void Redirected_ALineOfTotalsEveryFewSeconds_OnlyWhenSomethingMoved()
    {
        var clock = new FakeTimeProvider();
        var output = new StringWriter();
        using var view = new PlainProgressView(output, clock);
        view.Phase("Backing up");
        view.Planned(10, 2_000_000);
        view.Hashed(1_000_000);
        view.FileDone(100);

        clock.Advance(PlainProgressView.LineEvery);
        clock.Advance(PlainProgressView.LineEvery); // nothing moved: no second line
        view.Sent(500_000);
        view.NotToSend(1_000_000);
        clock.Advance(PlainProgressView.LineEvery);

        Assert.Equal(
            [
                "Backing up...",
                "Backing up: 1 of 10 files done; read 1 MB of 2 MB, sent 0 B of 2 MB",
                "Backing up: 1 of 10 files done; read 1 MB of 2 MB, sent 500 KB of 1 MB",
            ],
            output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }
}

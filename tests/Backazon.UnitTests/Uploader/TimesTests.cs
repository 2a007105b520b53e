using Backazon.Uploader.Ui;

namespace Backazon.UnitTests.Uploader;

/// <summary>"--at" must read back exactly what ls, versions and runs print.</summary>
public sealed class TimesTests
{
    [Fact]
    public void TryParse_WhatLocalPrints_IsTheEndOfThatSecond_SoAVersionWithinItIsIncluded()
    {
        var version = new DateTimeOffset(2026, 11, 25, 13, 0, 5, TimeSpan.Zero).AddTicks(4_321_000);

        Assert.True(Times.TryParse(Times.Local(version), out var at));

        Assert.True(version <= at);
        Assert.True(at < new DateTimeOffset(2026, 11, 25, 13, 0, 6, TimeSpan.Zero));
    }

    [Theory]
    [InlineData("2026-11-25 14:00:05 +01:00", "2026-11-25T13:00:05.9999999Z")]
    [InlineData("2026-11-25 08:00:05 -05:00", "2026-11-25T13:00:05.9999999Z")]
    [InlineData("2026-11-25T13:00Z", "2026-11-25T13:00:00.9999999Z")]
    [InlineData("2026-11-25T13:00:05.25Z", "2026-11-25T13:00:05.2500000Z")] // a fraction is taken as written
    public void TryParse_ZonedTimes_AreThatInstant(string text, string expected)
    {
        Assert.True(Times.TryParse(text, out var at));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), at);
    }

    [Fact]
    public void Local_ShowsTheZone()
    {
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d$", Times.Local(DateTimeOffset.UtcNow));
    }

    [Fact]
    public void SecondBefore_PrintedAndReadBack_LiesBeforeTheMomentAndAfterTheSecondBefore()
    {
        var deletion = new DateTimeOffset(2026, 11, 25, 13, 0, 5, TimeSpan.Zero).AddTicks(1);

        Assert.True(Times.TryParse(Times.Local(Times.SecondBefore(deletion)), out var at));

        Assert.True(at < deletion);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 13, 0, 5, TimeSpan.Zero).AddTicks(-1), at);
    }

    [Fact]
    public void TryParse_NotATime_IsFalse() => Assert.False(Times.TryParse("yesterday-ish", out _));
}

using Backazon.Uploader.Agent;

namespace Backazon.UnitTests.Uploader.Agent;

public sealed class ScheduleTests
{
    private static readonly DateTimeOffset Last = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void NextRun_NeverBackedUp_IsDueAtOnce() =>
        Assert.Equal(DateTimeOffset.MinValue, Schedule.For("device-1", null).NextRun(null));

    [Fact]
    public void For_SameDevice_GivesTheSamePhase_OtherDevicesSpreadOverTheDay()
    {
        Assert.Equal(Schedule.For("device-1", null), Schedule.For("device-1", null));
        var phases = Enumerable.Range(0, 200).Select(i => Schedule.For($"device-{i}", null).Phase).ToList();
        Assert.All(phases, p => Assert.InRange(p, TimeSpan.Zero, TimeSpan.FromDays(1)));
        // Two hundred devices land in most of the day's 24 hours, not in one.
        Assert.True(phases.Select(p => (int)p.TotalHours).Distinct().Count() >= 20);
    }

    [Fact]
    public void NextRun_Daily_IsTheDevicesSlot_AtLeastHalfADayAfterTheLastBackup()
    {
        var schedule = Schedule.For("device-1", null);
        var next = schedule.NextRun(Last);

        Assert.InRange(next, Last + TimeSpan.FromHours(12), Last + TimeSpan.FromHours(36));
        Assert.Equal(schedule.Phase, next.TimeOfDay);
    }

    [Fact]
    public void NextRun_AfterASleepPastTheSlot_IsAlreadyDue()
    {
        var schedule = Schedule.For("device-1", TimeSpan.FromHours(6));
        var next = schedule.NextRun(Last);
        var wokeUp = Last + TimeSpan.FromDays(2);

        Assert.True(next < wokeUp, "a slot missed while asleep is due as soon as the agent looks");
        Assert.InRange(next - Last, TimeSpan.FromHours(3), TimeSpan.FromHours(9));
    }
}

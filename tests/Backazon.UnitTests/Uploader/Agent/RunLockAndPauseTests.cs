using Backazon.Uploader.Agent;
using Backazon.Uploader.Configuration;

namespace Backazon.UnitTests.Uploader.Agent;

public sealed class RunLockAndPauseTests : IDisposable
{
    private readonly StateFolder _state = new(Directory.CreateTempSubdirectory("backazon-state-").FullName);

    [Fact]
    public void RunLock_OneHolderAtATime_FreedWhenReleased()
    {
        using (var first = RunLock.TryTake(_state.BackupLockFile))
        {
            Assert.NotNull(first);
            Assert.Null(RunLock.TryTake(_state.BackupLockFile));
            Assert.True(RunLock.IsHeld(_state.BackupLockFile));
        }

        Assert.False(RunLock.IsHeld(_state.BackupLockFile));
        using var again = RunLock.TryTake(_state.BackupLockFile);
        Assert.NotNull(again);
    }

    [Fact]
    public void Pause_ForADuration_EndsByItself_UntilResumedOtherwise()
    {
        var now = new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
        PauseFile.Set(_state, new Pause(now, now.AddHours(2)));
        Assert.NotNull(PauseFile.Active(_state, now.AddHours(1)));
        Assert.Null(PauseFile.Active(_state, now.AddHours(2)));

        PauseFile.Set(_state, new Pause(now, null));
        Assert.NotNull(PauseFile.Active(_state, now.AddYears(1)));
        Assert.True(PauseFile.Clear(_state));
        Assert.Null(PauseFile.Active(_state, now));
        Assert.False(PauseFile.Clear(_state));
    }

    [Fact]
    public void AgentStatus_KeepsTheLastTenErrors_NewestFirst()
    {
        var status = new AgentStatus();
        for (var i = 0; i < 15; i++)
        {
            status = status.WithError(DateTimeOffset.UnixEpoch.AddMinutes(i), $"error {i}");
        }

        status.Write(_state);
        var read = AgentStatus.Read(_state);
        Assert.Equal(AgentStatus.ErrorsKept, read.LastErrors.Count);
        Assert.Equal("error 14", read.LastErrors[0].Message);
        Assert.Equal("error 5", read.LastErrors[^1].Message);
    }

    public void Dispose() => Directory.Delete(_state.Path, recursive: true);
}

using Backazon.Uploader.Configuration;

namespace Backazon.Uploader.Agent;

/// <summary>A pause asked for with "backazon pause": from when, and until when (none: until
/// "backazon resume"). A file, so a running agent sees it within a tick, and a pause survives
/// a reboot.</summary>
public sealed record Pause(DateTimeOffset PausedAt, DateTimeOffset? Until)
{
    public bool ActiveAt(DateTimeOffset now) => Until is not { } until || until > now;
}

public static class PauseFile
{
    /// <summary>The pause in force now, or null.</summary>
    public static Pause? Active(StateFolder state, DateTimeOffset now) =>
        JsonFile.Read<Pause>(state.PauseFile) is { } pause && pause.ActiveAt(now) ? pause : null;

    public static void Set(StateFolder state, Pause pause) => JsonFile.Write(state.PauseFile, pause);

    /// <summary>Ends the pause; false when there was none.</summary>
    public static bool Clear(StateFolder state)
    {
        if (!File.Exists(state.PauseFile))
        {
            return false;
        }

        File.Delete(state.PauseFile);
        return true;
    }
}

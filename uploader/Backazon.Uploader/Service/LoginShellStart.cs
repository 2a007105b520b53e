using System.Text;

namespace Backazon.Uploader.Service;

/// <summary>
/// Where a user has no systemd of their own (containers, WSL, a server reached by ssh): the
/// agent started from the login shell's profile instead ("backazon install --at-login"). A
/// marked block in ~/.profile (and in ~/.bash_profile, ~/.bash_login or ~/.zprofile where they
/// exist, since bash and zsh read those instead) starts it in the background at each login; a
/// second login finds it holding its lock and the new one exits quietly. Nothing restarts it
/// after a crash, which is why systemd comes first where it works.
/// </summary>
public sealed class LoginShellStart(ServiceHost host)
{
    private const string Begin = "# >>> backazon: starts the backup agent at login (\"backazon uninstall\" removes this) >>>";
    private const string End = "# <<< backazon <<<";
    private static readonly string[] OtherProfiles = [".bash_profile", ".bash_login", ".zprofile"];

    /// <summary>The profiles the block goes in: ~/.profile, and the login shells' own ones that exist.</summary>
    public IReadOnlyList<string> Profiles =>
        [Path.Combine(host.Home, ".profile"), .. OtherProfiles.Select(p => Path.Combine(host.Home, p)).Where(File.Exists)];

    public string Render(AgentCommandLine agent)
    {
        var command = new StringBuilder();
        foreach (var (name, value) in agent.Environment)
        {
            command.Append(name).Append('=').Append(Sh(value)).Append(' ');
        }

        command.Append("nohup ").Append(Sh(agent.Program));
        foreach (var argument in agent.Arguments)
        {
            command.Append(' ').Append(Sh(argument));
        }

        return $"{Begin}\n( {command} >/dev/null 2>&1 & )\n{End}\n";
    }

    public ServiceOutcome Install(AgentCommandLine agent)
    {
        var block = Render(agent);
        foreach (var profile in Profiles)
        {
            var text = File.Exists(profile) ? File.ReadAllText(profile) : "";
            var without = Without(text);
            File.WriteAllText(profile, without + (without.Length == 0 || without.EndsWith('\n') ? "" : "\n") + block);
        }

        return new ServiceOutcome(true,
            $"Installed: the Backazon agent starts in the background each time you log in (from {string.Join(", ", Profiles.Select(p => "~/" + Path.GetFileName(p)))}). " +
            "It is not started now: log in again, or run 'nohup backazon agent >/dev/null 2>&1 &'.");
    }

    /// <summary>Removes the block wherever it is; false when there was none.</summary>
    public bool Uninstall()
    {
        var removed = false;
        foreach (var profile in new[] { ".profile" }.Concat(OtherProfiles).Select(p => Path.Combine(host.Home, p)).Where(File.Exists))
        {
            var text = File.ReadAllText(profile);
            var without = Without(text);
            if (without != text)
            {
                File.WriteAllText(profile, without);
                removed = true;
            }
        }

        return removed;
    }

    private static string Without(string text)
    {
        var start = text.IndexOf(Begin, StringComparison.Ordinal);
        var end = start < 0 ? -1 : text.IndexOf(End, start, StringComparison.Ordinal);
        if (end < 0)
        {
            return text;
        }

        end += End.Length;
        if (end < text.Length && text[end] == '\n')
        {
            end++;
        }

        return text[..start] + text[end..];
    }

    /// <summary>One word for sh: in single quotes, a quote written as '\''.</summary>
    private static string Sh(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

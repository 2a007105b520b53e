using System.Diagnostics;
using System.Runtime.Versioning;
using Backazon.Uploader.Configuration;
using Backazon.Uploader.Service;
using Xunit.Abstractions;

namespace Backazon.IntegrationTests.Cli;

/// <summary>
/// "backazon install" and "uninstall" on this machine for real: the CLI as a process of its
/// own, with a temp home and XDG_CONFIG_HOME (never the real ~/.config) and no reachable user
/// systemd (as on this machine, and on a server without a login session), then the unit it
/// wrote checked by systemd-analyze where that is installed.
/// </summary>
[SupportedOSPlatform("linux")] // systemd user units: the Linux half of install
public sealed class CliServiceTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("backazon-service-").FullName;

    private string Home => Path.Combine(_root, "home");
    private string UnitFile => Path.Combine(_root, "xdg", "systemd", "user", SystemdUnit.Name);

    [Fact]
    public async Task InstallThenUninstall_NoUserSystemd_WritesTheUnitSaysHowToStartItThenRemovesItAndKeepsTheEnrollment()
    {
        var config = Path.Combine(_root, "config dir");
        new ConfigFolder(config).WriteSecret(DeviceConfig.FileName, new DeviceConfig("http://127.0.0.1:1", "acct", "dev", "laptop", "secret"));

        var install = await RunCliAsync(config, "install");

        Assert.True(install.Code == 1, install.Out + install.Error);
        Assert.Equal($"Wrote the systemd user unit {UnitFile}.", install.Out.Trim());
        var sentence = install.Error.Trim();
        Assert.DoesNotContain('\n', sentence);
        Assert.StartsWith("The service could not be started because ", sentence);
        Assert.EndsWith("run 'backazon install --at-login' to start the agent from your login shell instead.", sentence);
        if (HasProgram("systemctl"))
        {
            Assert.Contains("run 'loginctl enable-linger' and log in again, then 'systemctl --user daemon-reload && systemctl --user enable --now backazon.service'", sentence);
        }
        var unit = await File.ReadAllTextAsync(UnitFile);
        Assert.Contains($"Environment=\"BACKAZON_CONFIG_DIR={config}\"\n", unit);
        Assert.Contains($"Environment=\"BACKAZON_STATE_DIR={Path.Combine(config, "state")}\"\n", unit);
        Assert.Contains($" {Path.Combine(AppContext.BaseDirectory, "backazon.dll")} agent\n", unit); // dotnet backazon.dll agent
        Assert.False(Directory.Exists(Path.Combine(Home, ".config")), "nothing is written outside XDG_CONFIG_HOME");
        await VerifyAsync(UnitFile);

        var uninstall = await RunCliAsync(config, "uninstall");

        Assert.True(uninstall.Code == 0, uninstall.Out + uninstall.Error);
        Assert.False(File.Exists(UnitFile));
        Assert.Contains($"Removed the Backazon background service (systemd user unit {UnitFile}).", uninstall.Out);
        Assert.Contains($"Left alone: your backups on the server, this machine's enrollment ({Path.Combine(config, DeviceConfig.FileName)}) and its local index", uninstall.Out);
        Assert.True(File.Exists(Path.Combine(config, DeviceConfig.FileName)));

        var again = await RunCliAsync(config, "uninstall");

        Assert.Equal(0, again.Code);
        Assert.Equal($"The Backazon agent is not installed as a service here (there is no {UnitFile}); nothing to remove.", again.Out.Trim());
    }

    [Fact]
    public async Task InstallAtLogin_NoUserSystemd_StartsTheAgentFromTheLoginProfile_UninstallRemovesOnlyThat()
    {
        var config = Path.Combine(_root, "config");
        new ConfigFolder(config).WriteSecret(DeviceConfig.FileName, new DeviceConfig("http://127.0.0.1:1", "acct", "dev", "laptop", "secret"));
        Directory.CreateDirectory(Home);
        var profile = Path.Combine(Home, ".profile");
        await File.WriteAllTextAsync(profile, "export EDITOR=vi\n");
        await File.WriteAllTextAsync(Path.Combine(Home, ".bash_profile"), ". ~/.profile\n");

        var install = await RunCliAsync(config, "install", "--at-login");
        var again = await RunCliAsync(config, "install", "--at-login");

        Assert.True(install.Code == 0, install.Out + install.Error);
        Assert.StartsWith("Installed: the Backazon agent starts in the background each time you log in (from ~/.profile, ~/.bash_profile).", install.Out.Trim());
        Assert.Equal(0, again.Code);
        var text = await File.ReadAllTextAsync(profile);
        Assert.StartsWith("export EDITOR=vi\n# >>> backazon", text);
        Assert.Single(text.Split("# >>> backazon").Skip(1)); // installed twice, written once
        Assert.Contains($"BACKAZON_CONFIG_DIR='{config}' BACKAZON_STATE_DIR='{Path.Combine(config, "state")}' nohup ", text);
        Assert.Contains($"'{Path.Combine(AppContext.BaseDirectory, "backazon.dll")}' 'agent' >/dev/null 2>&1 & )", text);
        using (var check = Process.Start("sh", ["-n", profile]))
        {
            await check.WaitForExitAsync();
            Assert.Equal(0, check.ExitCode); // the block is valid sh (read, not run)
        }

        var uninstall = await RunCliAsync(config, "uninstall");

        Assert.True(uninstall.Code == 0, uninstall.Out + uninstall.Error);
        Assert.Contains("Removed the agent's start from your login shell's profile", uninstall.Out);
        Assert.Equal("export EDITOR=vi\n", await File.ReadAllTextAsync(profile));
        Assert.Equal(". ~/.profile\n", await File.ReadAllTextAsync(Path.Combine(Home, ".bash_profile")));
    }

    [Fact]
    public async Task Install_UnitFolderCannotBeMade_ExitsOneWithASentenceNotAStackTrace()
    {
        var config = Path.Combine(_root, "config");
        new ConfigFolder(config).WriteSecret(DeviceConfig.FileName, new DeviceConfig("http://127.0.0.1:1", "acct", "dev", "laptop", "secret"));
        await File.WriteAllTextAsync(Path.Combine(_root, "xdg"), "a file where the config folder should be");

        var install = await RunCliAsync(config, "install");

        Assert.Equal(1, install.Code);
        Assert.StartsWith("The service definition could not be written (", install.Error);
        Assert.DoesNotContain("   at ", install.Error);
    }

    [Fact]
    public async Task Unit_ProgramInAFolderSystemdWouldMisread_PassesVerifyAndTheUnquotedOneDoesNot()
    {
        // The program must exist for verify: a script in a folder whose name has a space, a
        // specifier and a variable, which systemd would otherwise take apart. (Quotes and
        // backslashes systemd refuses in a program's path whatever the quoting.)
        var folder = Directory.CreateDirectory(Path.Combine(_root, "Back Azon %h $HOME")).FullName;
        var program = Path.Combine(folder, "backazon");
        await File.WriteAllTextAsync(program, "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var agent = AgentCommandLine.ForExecutable(program, Path.Combine(_root, "config 100%"), Path.Combine(_root, "state $HOME"));
        var unit = new SystemdUnit(new ServiceHost(new ProcessCommandRunner(), _ => null, "0", "")).Render(agent);
        var file = Path.Combine(Directory.CreateDirectory(Path.Combine(_root, "units")).FullName, SystemdUnit.Name);
        await File.WriteAllTextAsync(file, unit);

        // The keys are checked everywhere; systemd-analyze only where it is installed.
        Assert.Contains("\nType=notify\n", unit);
        Assert.Contains("\nRestart=on-failure\n", unit);
        Assert.Contains("\nWantedBy=default.target\n", unit);
        Assert.Contains("\nEnvironment=\"BACKAZON_CONFIG_DIR=" + Path.Combine(_root, "config 100%%") + "\"\n", unit);
        Assert.Contains("\nEnvironment=\"BACKAZON_STATE_DIR=" + Path.Combine(_root, "state $HOME") + "\"\n", unit);
        if (await VerifyAsync(file))
        {
            // The control: the same unit with the path left unquoted names no program, and
            // verify says so, so a pass above means the quoting was read as intended.
            await File.WriteAllTextAsync(file, unit.Replace(SystemdUnit.Executable(program), program, StringComparison.Ordinal));
            var (code, error) = await SystemdAnalyzeAsync(file);
            Assert.True(code != 0 || error.Length > 0, "systemd-analyze accepted a unit whose ExecStart names no program");
        }
    }

    /// <summary>Runs "systemd-analyze --user verify" on the unit when it is installed and returns
    /// true; says in the test output which of the two happened.</summary>
    private async Task<bool> VerifyAsync(string file)
    {
        if (!HasProgram("systemd-analyze"))
        {
            output.WriteLine("systemd-analyze is not installed: the unit's keys were checked, but not by systemd.");
            return false;
        }

        var (code, error) = await SystemdAnalyzeAsync(file);
        Assert.True(code == 0 && error.Length == 0, $"systemd-analyze verify {file}: exit {code}: {error}");
        output.WriteLine($"systemd-analyze --user verify passed for {file}.");
        return true;
    }

    /// <summary>
    /// systemd-analyze in user mode works offline (no systemd running) given a runtime folder of
    /// its own; it reports bad keys and values on standard error yet exits 0, so both count.
    /// </summary>
    private async Task<(int Code, string Error)> SystemdAnalyzeAsync(string file)
    {
        var start = new ProcessStartInfo("systemd-analyze") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "--user", "verify", file })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["XDG_RUNTIME_DIR"] = Directory.CreateDirectory(Path.Combine(_root, "analyze-runtime")).FullName;
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, (await error).Trim());
    }

    /// <summary>The real CLI as "dotnet backazon.dll", in an environment where no user systemd
    /// can be reached: a fresh runtime folder and a bus address that leads nowhere.</summary>
    private async Task<(int Code, string Out, string Error)> RunCliAsync(string config, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "backazon.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["HOME"] = Home;
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(_root, "xdg");
        start.Environment["XDG_RUNTIME_DIR"] = Directory.CreateDirectory(Path.Combine(_root, "run")).FullName;
        start.Environment["DBUS_SESSION_BUS_ADDRESS"] = $"unix:path={Path.Combine(_root, "no-bus")}";
        start.Environment["BACKAZON_CONFIG_DIR"] = config;
        start.Environment.Remove("BACKAZON_STATE_DIR"); // the state folder then follows the config folder
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }

    private static bool HasProgram(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(folder => File.Exists(Path.Combine(folder, name)));

    public void Dispose() => Directory.Delete(_root, recursive: true);
}

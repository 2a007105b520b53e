using System.Text;
using System.Xml.Linq;
using Backazon.Uploader.Service;

namespace Backazon.UnitTests.Uploader.Service;

/// <summary>What install and uninstall write and which service-manager commands they run, for
/// each OS, with the commands recorded instead of run and the home folder a temp folder.</summary>
public sealed class ServiceInstallerTests : IDisposable
{
    private static readonly XNamespace Task = "http://schemas.microsoft.com/windows/2004/02/mit/task";
    private static readonly CommandResult NoBus = new(true, 1, "", "Failed to connect to bus: No medium found\n");

    private readonly TempTree _home = new();
    private readonly Dictionary<string, string> _variables = new(StringComparer.Ordinal);

    public ServiceInstallerTests() => _variables["HOME"] = _home.Root;

    private AgentCommandLine Agent(string config = "/home/ada/.config/backazon") =>
        AgentCommandLine.ForExecutable("/opt/backazon/backazon", config, _home.PathOf("state"));

    private ServiceInstaller Installer(ServiceOs os, ICommandRunner runner, Func<string, string?>? accountVariable = null) =>
        ServiceInstaller.For(os, new ServiceHost(runner, name => _variables.GetValueOrDefault(name), "501", @"PC\ada", accountVariable));

    [Fact]
    public async Task SystemdInstall_Fresh_WritesUnderXdgConfigHomeAndEnablesIt()
    {
        _variables["XDG_CONFIG_HOME"] = _home.PathOf("xdg");
        var runner = new RecordingRunner();

        var outcome = await Installer(ServiceOs.Linux, runner).InstallAsync(Agent());

        var unit = _home.PathOf("xdg/systemd/user/backazon.service");
        Assert.Null(outcome.Failure);
        Assert.Contains("ExecStart=/opt/backazon/backazon agent\n", File.ReadAllText(unit));
        Assert.Equal(["systemctl --user daemon-reload", "systemctl --user enable --now backazon.service"], runner.Commands);
        Assert.Contains(unit, outcome.Message);
    }

    [Fact]
    public async Task SystemdInstall_RelativeXdgConfigHome_IsIgnoredAsTheXdgRuleSays()
    {
        _variables["XDG_CONFIG_HOME"] = "relative/config";

        await Installer(ServiceOs.Linux, new RecordingRunner()).InstallAsync(Agent());

        Assert.True(File.Exists(_home.PathOf(".config/systemd/user/backazon.service")));
    }

    [Fact]
    public async Task SystemdInstall_UserSystemdNotRunning_KeepsTheFileAndSaysHowToStartIt()
    {
        var runner = new RecordingRunner((_, _) => NoBus);

        var outcome = await Installer(ServiceOs.Linux, runner).InstallAsync(Agent());

        Assert.True(File.Exists(_home.PathOf(".config/systemd/user/backazon.service")));
        Assert.Equal(["systemctl --user daemon-reload"], runner.Commands);
        Assert.Equal(
            "The service could not be started because 'systemctl --user daemon-reload' failed (Failed to connect to bus: No medium found): this session has no systemd of its own; " +
            "where the system runs systemd, run 'loginctl enable-linger' and log in again, then 'systemctl --user daemon-reload && systemctl --user enable --now backazon.service'; " +
            "otherwise run 'backazon install --at-login' to start the agent from your login shell instead.",
            outcome.Failure);
    }

    [Fact]
    public async Task SystemdInstall_NoSystemctl_KeepsTheFileAndSaysToStartTheAgentAnotherWay()
    {
        var outcome = await Installer(ServiceOs.Linux, new RecordingRunner((_, _) => new CommandResult(false, -1, "", ""))).InstallAsync(Agent());

        Assert.True(File.Exists(_home.PathOf(".config/systemd/user/backazon.service")));
        Assert.Contains("this system has no systemctl", outcome.Failure);
    }

    [Fact]
    public async Task SystemdInstall_Again_RestartsOnlyWhenTheUnitChanged()
    {
        var runner = new RecordingRunner();
        var installer = Installer(ServiceOs.Linux, runner);
        await installer.InstallAsync(Agent());
        runner.Commands.Clear();

        await installer.InstallAsync(Agent());
        var unchanged = runner.Commands.ToList();
        runner.Commands.Clear();
        await installer.InstallAsync(Agent("/elsewhere"));

        Assert.DoesNotContain(unchanged, c => c.Contains("restart", StringComparison.Ordinal));
        Assert.Equal("systemctl --user restart backazon.service", runner.Commands.Last());
    }

    [Fact]
    public async Task SystemdUninstall_Installed_DisablesAndRemovesUnitAndWantsLink()
    {
        var runner = new RecordingRunner();
        var installer = Installer(ServiceOs.Linux, runner);
        await installer.InstallAsync(Agent());
        var wants = _home.PathOf(".config/systemd/user/default.target.wants/backazon.service");
        Directory.CreateDirectory(Path.GetDirectoryName(wants)!);
        File.CreateSymbolicLink(wants, _home.PathOf(".config/systemd/user/backazon.service"));
        runner.Commands.Clear();

        var outcome = await installer.UninstallAsync();

        Assert.True(outcome.Changed);
        Assert.Equal(["systemctl --user disable --now backazon.service", "systemctl --user daemon-reload"], runner.Commands);
        Assert.False(File.Exists(_home.PathOf(".config/systemd/user/backazon.service")));
        Assert.Null(new FileInfo(wants).LinkTarget);
        Assert.False(File.Exists(wants));
    }

    [Fact]
    public async Task SystemdUninstall_SystemdUnreachable_RemovesTheFilesAndSaysARunningAgentGoesOn()
    {
        await Installer(ServiceOs.Linux, new RecordingRunner()).InstallAsync(Agent());

        var outcome = await Installer(ServiceOs.Linux, new RecordingRunner((_, _) => NoBus)).UninstallAsync();

        Assert.True(outcome.Changed);
        Assert.Null(outcome.Failure);
        Assert.False(File.Exists(_home.PathOf(".config/systemd/user/backazon.service")));
        Assert.Contains("keeps running until you log out", outcome.Note);
    }

    [Fact]
    public async Task Uninstall_NothingInstalled_SaysSoAndRunsNothingThatChangesAnything()
    {
        foreach (var os in new[] { ServiceOs.Linux, ServiceOs.MacOS })
        {
            var runner = new RecordingRunner();
            var outcome = await Installer(os, runner).UninstallAsync();
            Assert.False(outcome.Changed);
            Assert.Null(outcome.Failure);
            Assert.Contains("not installed", outcome.Message);
            Assert.Empty(runner.Commands);
        }

        var schtasks = new RecordingRunner((_, args) => args[0] == "/Query" ? new CommandResult(true, 1, "", "ERROR: The system cannot find the file specified.") : RecordingRunner.Ok);
        var windows = await Installer(ServiceOs.Windows, schtasks).UninstallAsync();
        Assert.False(windows.Changed);
        Assert.Equal(["schtasks /Query /TN Backazon"], schtasks.Commands);
    }

    [Fact]
    public async Task LaunchdInstall_BootstrapsIntoTheUsersGuiDomainAndCreatesTheLogFolder()
    {
        var runner = new RecordingRunner();
        var installer = (LaunchdAgent)Installer(ServiceOs.MacOS, runner);

        var outcome = await installer.InstallAsync(Agent());

        var plist = _home.PathOf("Library/LaunchAgents/com.backazon.agent.plist");
        Assert.Null(outcome.Failure);
        Assert.Equal(
            ["launchctl bootout gui/501/com.backazon.agent", "launchctl enable gui/501/com.backazon.agent", $"launchctl bootstrap gui/501 {plist}"],
            runner.Commands);
        Assert.Equal("plist", XDocument.Load(plist).Root!.Name);
        Assert.True(Directory.Exists(_home.PathOf("state/logs")));

        runner.Commands.Clear();
        Assert.True((await installer.UninstallAsync()).Changed);
        Assert.Equal(["launchctl bootout gui/501/com.backazon.agent"], runner.Commands);
        Assert.False(File.Exists(plist));
    }

    [Fact]
    public async Task LaunchdInstall_BootstrapRefused_KeepsThePlistAndSaysHowToLoadIt()
    {
        var runner = new RecordingRunner((_, args) => args[0] == "bootstrap" ? new CommandResult(true, 5, "", "Bootstrap failed: 5: Input/output error") : RecordingRunner.Ok);

        var outcome = await Installer(ServiceOs.MacOS, runner).InstallAsync(Agent());

        Assert.True(File.Exists(_home.PathOf("Library/LaunchAgents/com.backazon.agent.plist")));
        Assert.StartsWith("The agent could not be started because 'launchctl bootstrap gui/501' failed (Bootstrap failed: 5: Input/output error)", outcome.Failure);
    }

    [Fact]
    public async Task TaskSchedulerInstall_RegistersTheXmlInUtf16ThenRunsItAndLeavesNoFile()
    {
        _variables["APPDATA"] = @"C:\Users\ada\AppData\Roaming";
        _variables["LOCALAPPDATA"] = @"C:\Users\ada\AppData\Local\";
        string? file = null;
        XDocument? registered = null;
        var runner = new RecordingRunner
        {
            Seen = args =>
            {
                if (args[0] == "/Create")
                {
                    file = args[4];
                    Assert.Equal([0xFF, 0xFE], File.ReadAllBytes(file)[..2]); // UTF-16 LE byte order mark
                    registered = XDocument.Parse(File.ReadAllText(file, Encoding.Unicode));
                }
            },
        };

        var outcome = await Installer(ServiceOs.Windows, runner).InstallAsync(
            AgentCommandLine.ForExecutable(@"C:\Program Files\Backazon\backazon.exe", @"C:\Users\ada\AppData\Roaming\backazon", @"C:\Users\ada\AppData\Local\backazon"));

        Assert.Null(outcome.Failure);
        Assert.Equal([$"schtasks /Create /TN Backazon /XML {file} /F", "schtasks /Run /TN Backazon"], runner.Commands);
        Assert.Equal(@"C:\Program Files\Backazon\backazon.exe", registered!.Descendants(Task + "Command").Single().Value);
        Assert.Equal(@"PC\ada", registered.Descendants(Task + "LogonTrigger").Single().Element(Task + "UserId")!.Value);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task TaskSchedulerInstall_ConfigFolderOnlyThisShellKnows_RefusesAndNamesSetx()
    {
        _variables["APPDATA"] = @"C:\Users\ada\AppData\Roaming";
        var runner = new RecordingRunner();
        // Outside the default folder, the state folder is the config folder's "state", as StateFolder says.
        var agent = AgentCommandLine.ForExecutable(@"C:\backazon.exe", @"D:\Backazon Config", @"D:\Backazon Config\state");
        var elsewhere = AgentCommandLine.ForExecutable(@"C:\backazon.exe", @"D:\Backazon Config", @"E:\state");

        var refused = await Installer(ServiceOs.Windows, runner).InstallAsync(agent);
        var accepted = await Installer(ServiceOs.Windows, runner, name => name == "BACKAZON_CONFIG_DIR" ? @"D:\Backazon Config\" : null).InstallAsync(agent);
        var stateRefused = await Installer(ServiceOs.Windows, runner, name => name == "BACKAZON_CONFIG_DIR" ? @"D:\Backazon Config" : null).InstallAsync(elsewhere);

        Assert.Equal("A scheduled task cannot set BACKAZON_CONFIG_DIR for the agent, so set it for your account with " +
            "'setx BACKAZON_CONFIG_DIR \"D:\\Backazon Config\"' and run 'backazon install' again.", refused.Failure);
        Assert.Null(accepted.Failure);
        Assert.StartsWith("A scheduled task cannot set BACKAZON_STATE_DIR for the agent, so set it for your account with 'setx BACKAZON_STATE_DIR E:\\state'", stateRefused.Failure);
        Assert.Equal(2, runner.Commands.Count); // only the accepted install ran schtasks
    }

    [Fact]
    public async Task TaskSchedulerUninstall_Installed_EndsAndDeletesTheTask()
    {
        var runner = new RecordingRunner();

        var outcome = await Installer(ServiceOs.Windows, runner).UninstallAsync();

        Assert.True(outcome.Changed);
        Assert.Equal(["schtasks /Query /TN Backazon", "schtasks /End /TN Backazon", "schtasks /Delete /TN Backazon /F"], runner.Commands);
    }

    [Fact]
    public void EveryServiceDefinition_RunsTheAgentAtLowCpuAndIoPriority()
    {
        var unit = SystemdUnitTests.Keys(Installer(ServiceOs.Linux, new RecordingRunner()).Render(Agent()));
        Assert.Equal(["19"], unit["Service.Nice"]);
        Assert.Equal(["batch"], unit["Service.CPUSchedulingPolicy"]);
        Assert.Equal(["idle"], unit["Service.IOSchedulingClass"]);

        // A plist's top dict: <key> elements each followed by their value.
        var plist = XDocument.Parse(Installer(ServiceOs.MacOS, new RecordingRunner()).Render(Agent())).Root!.Element("dict")!.Elements().ToList();
        var entries = Enumerable.Range(0, plist.Count / 2).ToDictionary(i => plist[2 * i].Value, i => plist[2 * i + 1]);
        Assert.Equal("Background", entries["ProcessType"].Value);
        Assert.Equal("true", entries["LowPriorityIO"].Name.LocalName);
        Assert.Equal("true", entries["LowPriorityBackgroundIO"].Name.LocalName);
        Assert.Equal("19", entries["Nice"].Value);

        // Task Scheduler's background priority (7 or 8: below normal), never normal or above.
        var task = XDocument.Parse(Installer(ServiceOs.Windows, new RecordingRunner()).Render(Agent()));
        Assert.InRange(int.Parse(task.Descendants(Task + "Priority").Single().Value, System.Globalization.CultureInfo.InvariantCulture), 7, 8);
    }

    [Theory]
    [InlineData("agent", "agent")]
    [InlineData(@"C:\Program Files\b.dll", "\"C:\\Program Files\\b.dll\"")]
    [InlineData(@"C:\a dir\", "\"C:\\a dir\\\\\"")]
    [InlineData("say \"hi\"", "\"say \\\"hi\\\"\"")]
    [InlineData("", "\"\"")]
    public void ScheduledTaskQuote_FollowsWindowsArgumentRules(string argument, string expected) =>
        Assert.Equal(expected, ScheduledTask.Quote(argument));

    [Fact]
    public void AgentCommandLine_UnderTheDotnetHost_RunsTheAssemblyWithTheHost()
    {
        var hosted = AgentCommandLine.ForProcess("/usr/share/dotnet/dotnet", "/opt/b/backazon.dll", "/c", "/s");
        var single = AgentCommandLine.ForProcess("/opt/b/backazon", "/opt/b/backazon.dll", "/c", "/s");

        Assert.Equal(["/usr/share/dotnet/dotnet", "/opt/b/backazon.dll", "agent"], [hosted.Program, .. hosted.Arguments]);
        Assert.Equal(["/opt/b/backazon", "agent"], [single.Program, .. single.Arguments]);
        Assert.Equal([new("BACKAZON_CONFIG_DIR", "/c"), new("BACKAZON_STATE_DIR", "/s")], single.Environment);
    }

    public void Dispose() => _home.Dispose();
}

using System.Text;
using System.Xml.Linq;
using Backazon.Uploader;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Commands;
using Backazon.Uploader.Configuration;
using Backazon.Uploader.Service;

namespace Backazon.UnitTests.Uploader.Service;

/// <summary>"backazon install --print" through the real command tree, for every OS: the
/// definition parses, runs "agent" of the given program, and pins the config folder, whose
/// path has spaces and characters the formats treat specially.</summary>
public sealed class ServiceCommandsTests : IDisposable
{
    private readonly TempTree _tree = new();
    private readonly string _config;

    public ServiceCommandsTests() => _config = _tree.Folder("config with spaces %h $HOME & <xml>");

    private async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await BackazonCli.InvokeAsync(args, new CliContext(output, error, new ConfigFolder(_config)));
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task InstallPrintLinux_ProgramWithSpaces_IsOneQuotedWordAndTheConfigFolderIsPinned()
    {
        var (code, unit, error) = await RunAsync("install", "--print", "--os", "linux", "--executable", "/opt/Back Azon/backazon");

        Assert.True(code == 0, error);
        var keys = SystemdUnitTests.Keys(unit);
        Assert.Equal(["notify"], keys["Service.Type"]);
        Assert.Equal(["on-failure"], keys["Service.Restart"]);
        Assert.Equal(["default.target"], keys["Install.WantedBy"]);
        Assert.Equal(["/opt/Back Azon/backazon", "agent"], SystemdUnitTests.Words(keys["Service.ExecStart"].Single(), expandsVariables: true));
        Assert.Equal([[$"BACKAZON_CONFIG_DIR={_config}"], [$"BACKAZON_STATE_DIR={Path.Combine(_config, "state")}"]],
            keys["Service.Environment"].Select(e => SystemdUnitTests.Words(e, expandsVariables: false)));
    }

    [Fact]
    public async Task InstallPrintLinux_ProgramPathSystemdRefuses_ExitsOneWithASentence()
    {
        var (code, unit, error) = await RunAsync("install", "--print", "--os", "linux", "--executable", "/opt/\"odd\"/backazon");

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Empty(unit);
        Assert.StartsWith("systemd cannot run a program whose path has quotes", error);
    }

    [Fact]
    public async Task InstallPrintLinux_NoExecutableGiven_RunsThisProcess()
    {
        var expected = AgentCommandLine.Current(_config, Path.Combine(_config, "state"));

        var (code, unit, _) = await RunAsync("install", "--print", "--os", "linux");

        Assert.Equal(0, code);
        Assert.Equal([expected.Program, .. expected.Arguments], SystemdUnitTests.Words(SystemdUnitTests.Keys(unit)["Service.ExecStart"].Single(), expandsVariables: true));
        Assert.Equal("agent", expected.Arguments[^1]);
    }

    [Fact]
    public async Task InstallPrintMacos_IsAPlistRunningTheAgentWithTheConfigFolder()
    {
        var (code, text, error) = await RunAsync("install", "--print", "--os", "macos", "--executable", "/Applications/Back Azon/backazon");

        Assert.True(code == 0, error);
        var plist = XDocument.Parse(text);
        Assert.Equal("plist", plist.DocumentType!.Name);
        var dict = Dict(plist.Root!.Element("dict")!);
        Assert.Equal("com.backazon.agent", dict["Label"].Value);
        Assert.Equal(["/Applications/Back Azon/backazon", "agent"], dict["ProgramArguments"].Elements("string").Select(s => s.Value));
        Assert.Equal("true", dict["RunAtLoad"].Name);
        Assert.Equal("false", Dict(dict["KeepAlive"])["SuccessfulExit"].Name);
        Assert.Equal(_config, Dict(dict["EnvironmentVariables"])["BACKAZON_CONFIG_DIR"].Value);
        Assert.Equal(Path.Combine(_config, "state"), Dict(dict["EnvironmentVariables"])["BACKAZON_STATE_DIR"].Value);
        Assert.Equal(Path.Combine(_config, "state", "logs", "launchd.log"), dict["StandardOutPath"].Value);
        Assert.Equal(dict["StandardOutPath"].Value, dict["StandardErrorPath"].Value);
    }

    [Fact]
    public async Task InstallPrintWindows_IsATaskXmlWithALogonTriggerAndNoTimeLimit()
    {
        var (code, text, error) = await RunAsync("install", "--print", "--os", "windows", "--executable", @"C:\Program Files\Backazon\backazon.exe");

        Assert.True(code == 0, error);
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"UTF-16\"?>", text);
        var task = XDocument.Parse(text);
        XNamespace ns = "http://schemas.microsoft.com/windows/2004/02/mit/task";
        Assert.Equal(ns + "Task", task.Root!.Name);
        var exec = task.Descendants(ns + "Exec").Single();
        Assert.Equal(@"C:\Program Files\Backazon\backazon.exe", exec.Element(ns + "Command")!.Value);
        Assert.Equal("agent", exec.Element(ns + "Arguments")!.Value);
        Assert.Single(task.Descendants(ns + "LogonTrigger"));
        Assert.Equal("InteractiveToken", task.Descendants(ns + "LogonType").Single().Value);
        Assert.Equal("PT0S", task.Descendants(ns + "ExecutionTimeLimit").Single().Value);
        Assert.Equal("999", task.Descendants(ns + "RestartOnFailure").Single().Element(ns + "Count")!.Value);
        Assert.Equal(task.Descendants(ns + "Principal").Single().Element(ns + "UserId")!.Value, task.Descendants(ns + "LogonTrigger").Single().Element(ns + "UserId")!.Value);
    }

    [Fact]
    public async Task Install_AnotherOsWithoutPrint_RefusesInOneSentence()
    {
        var other = OperatingSystem.IsWindows() ? "linux" : "windows";

        var (code, output, error) = await RunAsync("install", "--os", other);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Empty(output);
        Assert.Equal($"This machine can only install its own kind of service; add --print to see the {other} definition.", error.Trim());
    }

    [Fact]
    public async Task Install_NotEnrolled_RefusesBeforeRegisteringAnything()
    {
        var program = _tree.File("bin/backazon");

        var (code, _, error) = await RunAsync("install", "--executable", program);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.StartsWith("This machine is not enrolled yet", error);
    }

    [Fact]
    public async Task Install_ExecutableMissingOrAnAssembly_IsRefused()
    {
        var missing = await RunAsync("install", "--executable", _tree.PathOf("nothing-here"));
        var dll = await RunAsync("install", "--executable", _tree.File("backazon.dll"));

        Assert.Equal(ExitCodes.Failure, missing.Code);
        Assert.StartsWith("There is no program at", missing.Error);
        Assert.Equal(ExitCodes.Failure, dll.Code);
        Assert.Contains("is a .NET assembly", dll.Error);
    }

    [Fact]
    public async Task Install_UnknownOs_IsAParseError()
    {
        var (code, _, error) = await RunAsync("install", "--print", "--os", "beos");

        Assert.NotEqual(0, code);
        Assert.Contains("beos", error);
    }

    /// <summary>A plist dict as key → value element.</summary>
    private static Dictionary<string, XElement> Dict(XElement dict)
    {
        var children = dict.Elements().ToList();
        Assert.True(children.Count % 2 == 0, "a dict alternates key and value");
        return Enumerable.Range(0, children.Count / 2).ToDictionary(i => Assert.IsType<XElement>(children[2 * i]).Value, i => children[2 * i + 1]);
    }

    public void Dispose() => _tree.Dispose();
}

using Backazon.IntegrationTests.Infrastructure;
using Backazon.Uploader;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Commands;
using Backazon.Uploader.Configuration;

namespace Backazon.IntegrationTests.Cli;

/// <summary>The README's quick start, run through the real CLI commands in-process against the
/// local backend over HTTP.</summary>
[Collection(BackendCollection.Name)]
public sealed class CliQuickStartTests(BackendFixture backend) : IDisposable
{
    private readonly string _config = Directory.CreateTempSubdirectory("backazon-cli-").FullName;

    [Fact]
    public async Task AdminCreatesAccountAndCode_DeviceEnrolls_StatusShowsAccountPlanUsageAndDevice()
    {
        var keyFile = Path.Combine(_config, "key");
        await File.WriteAllTextAsync(keyFile, BackendFixture.OperatorKey);
        var server = backend.BaseAddress.ToString();

        Assert.Equal(0, (await RunAsync("admin", "login", "--server", server, "--key-file", keyFile)).Code);
        var accountId = (await RunAsync("admin", "account", "create", "--plan", "personal", "--name", "Ada", "-q")).Out.Trim();
        var code = (await RunAsync("admin", "code", "create", accountId, "-q")).Out.Trim();
        var enroll = await RunAsync("enroll", "--server", server, "--code", code, "--name", "ada-laptop");
        var status = await RunAsync("status");

        Assert.Equal(0, enroll.Code);
        Assert.Equal(0, status.Code);
        Assert.Contains($"Account:  {accountId} (Ada)", status.Out);
        Assert.Contains("Personal (personal)", status.Out);
        Assert.Contains("Usage:    0 B of 500 GB", status.Out);
        Assert.Contains("ada-laptop (this device)", status.Out);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_config, DeviceConfig.FileName)));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_config, OperatorConfig.FileName)));
        }
    }

    [Fact]
    public async Task Enroll_WithUsedCode_PrintsOneSentenceAndFails()
    {
        var account = await backend.CreateAccountAsync();
        var code = await backend.CreateCodeAsync(account.Id);
        await backend.EnrollAsync(account.Id); // another device, other code
        Assert.Equal(0, (await RunAsync("enroll", "--server", backend.BaseAddress.ToString(), "--code", code)).Code);
        File.Delete(Path.Combine(_config, DeviceConfig.FileName));

        var again = await RunAsync("enroll", "--server", backend.BaseAddress.ToString(), "--code", code);

        Assert.Equal(ExitCodes.Failure, again.Code);
        Assert.Equal("This enrollment code has already been used. Ask for a new one.", again.Error.Trim());
        Assert.False(File.Exists(Path.Combine(_config, DeviceConfig.FileName)));
    }

    [Fact]
    public async Task Status_BeforeEnrolling_SaysWhatToDo()
    {
        var result = await RunAsync("status");
        Assert.Equal(ExitCodes.Failure, result.Code);
        Assert.Contains("backazon enroll", result.Error);
    }

    [Fact]
    public async Task Enroll_UnreachableServer_SaysSoAndFails()
    {
        var result = await RunAsync("enroll", "--server", "http://127.0.0.1:1", "--code", "AAAA-BBBB-CCCC-DDDD");
        Assert.Equal(ExitCodes.Failure, result.Code);
        Assert.StartsWith("Cannot reach the Backazon server at http://127.0.0.1:1", result.Error);
    }

    private async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await BackazonCli.InvokeAsync(args, new CliContext(output, error, new ConfigFolder(_config)));
        return (code, output.ToString(), error.ToString());
    }

    public void Dispose() => Directory.Delete(_config, recursive: true);
}

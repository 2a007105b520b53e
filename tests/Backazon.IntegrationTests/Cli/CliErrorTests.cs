using System.Net;
using System.Net.Sockets;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Backazon.Backend.Security;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.LocalHost;
using Backazon.Uploader;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Commands;
using Backazon.Uploader.Configuration;
using Backazon.Uploader.Index;
using Backazon.Uploader.Scanning;

namespace Backazon.IntegrationTests.Cli;

/// <summary>
/// Every failure a person can cause or meet, through the real CLI: the documented exit code,
/// exactly one line on standard error that says what to do, and no stack frame.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class CliErrorTests(BackendFixture backend) : IAsyncLifetime
{
    private readonly string _tree = Directory.CreateTempSubdirectory("backazon-tree-").FullName;
    private CliHarness _machine = null!;

    public async Task InitializeAsync() => _machine = await CliHarness.EnrollAsync(backend);

    [Theory]
    [InlineData("'bakup' is not a backazon command; did you mean 'backup'?", "bakup")]
    [InlineData("'acount' is not a command of 'backazon admin'; did you mean 'account'?", "admin", "acount", "list")]
    [InlineData("'--exlude' is not an option of 'backazon backup'; did you mean '--exclude'?", "backup", "--exlude", "*.tmp")]
    [InlineData("'--bogus' is not an option of 'backazon restore': see 'backazon restore --help'.", "restore", "--bogus", "x")]
    [InlineData("'--jsn' is not an option of 'backazon status'; did you mean '--json'?", "status", "--jsn")]
    [InlineData("'backazon restore' needs a path: see 'backazon restore --help'.", "restore")]
    public async Task MistypedCommandLine_IsOneSentenceWithSuggestion_AndDoesNothing(string sentence, params string[] args)
    {
        var result = await _machine.RunAsync(args);

        AssertOneSentence(result, ExitCodes.Failure, sentence);
        Assert.Equal("", result.Out);
        Assert.Equal(0, _machine.Requests.Count);
    }

    [Fact]
    public async Task GroupCommand_WithoutSubcommand_PrintsItsHelp_NotRequiredCommandWasNotProvided()
    {
        var result = await _machine.RunAsync("admin");

        Assert.Equal(ExitCodes.Failure, result.Code);
        Assert.Contains("account", result.Out);
        Assert.DoesNotContain("Required command", result.Out + result.Error);
    }

    [Fact]
    public async Task BadConfigJson_IsOneSentenceNamingTheFileAndLine()
    {
        await File.WriteAllTextAsync(Path.Combine(_machine.ConfigPath, BackupSettings.FileName), "{\n  \"folders\": [\"/tmp\",\n");

        var result = await _machine.RunAsync("backup");

        AssertOneSentence(result, ExitCodes.Failure, "config.json is not valid JSON at line");
        Assert.Contains("fix it or delete it", result.Error);
    }

    [Fact]
    public async Task RestoreTo_AFile_IsOneSentence_AndWritesNothing()
    {
        var file = Path.Combine(_tree, "a-file");
        await File.WriteAllTextAsync(file, "keep me");

        var result = await _machine.RunAsync("restore", _tree, "--to", file);

        AssertOneSentence(result, ExitCodes.Failure, $"'{file}' is a file; give --to a folder");
        Assert.Equal("keep me", await File.ReadAllTextAsync(file));
        Assert.Equal([file], Directory.GetFileSystemEntries(_tree));
        Assert.Equal(0, _machine.Requests.Count);
    }

    [Fact]
    public async Task HttpsAgainstPlainHttp_SaysTheServerDoesNotSpeakHttps()
    {
        var https = new UriBuilder(backend.BaseAddress) { Scheme = "https" }.Uri;
        Reenroll(https);

        var result = await _machine.RunAsync("ls");

        AssertOneSentence(result, ExitCodes.Failure,
            $"The server at {https.GetLeftPart(UriPartial.Authority)} does not speak HTTPS; did you mean {backend.BaseAddress.GetLeftPart(UriPartial.Authority)}?");
    }

    [Fact]
    public async Task ServerNotRunning_IsOneSentence_ConnectionRefused()
    {
        var closed = new UriBuilder("http", "127.0.0.1", ClosedPort()).Uri;
        Reenroll(closed);

        var result = await _machine.RunAsync("ls");

        AssertOneSentence(result, ExitCodes.Failure, $"Cannot reach the Backazon server at {closed.GetLeftPart(UriPartial.Authority)}: Connection refused");
    }

    /// <summary>The storage SDK gives up with an AggregateException of every retry (the 177
    /// lines of the issue); the person reads one sentence.</summary>
    [Fact]
    public async Task StorageGoneDuringUpload_IsOneSentence_AndTheRerunSendsIt()
    {
        await File.WriteAllTextAsync(Path.Combine(_tree, "one.txt"), "one");
        var storage = new BlobClientOptions();
        storage.Retry.Delay = TimeSpan.FromMilliseconds(10);
        storage.Retry.MaxRetries = 2;
        storage.AddPolicy(new SendToPort(ClosedPort()), HttpPipelinePosition.PerRetry);
        var error = new StringWriter();
        var cli = new CliContext(new StringWriter(), error, new ConfigFolder(_machine.ConfigPath)) { StorageOptions = storage };

        var code = await BackazonCli.InvokeAsync(["backup", _tree], cli);

        AssertOneSentence((code, "", error.ToString()), ExitCodes.Failure, "Cannot reach the storage Backazon uploads to: Connection refused");
        Assert.Contains("Nothing sent so far is lost; run it again to continue.", error.ToString());
        var again = await _machine.RunAsync("backup", _tree);
        Assert.True(again.Code == ExitCodes.Success, again.Error);
    }

    [Fact]
    public async Task RevokedDevice_IsToldSo_BeforeItHashesAFile()
    {
        var file = Path.Combine(_tree, "secret.txt");
        await File.WriteAllTextAsync(file, "not read");
        using (var client = backend.OperatorClient())
        {
            (await client.DeleteAsync($"admin/accounts/{_machine.Device.AccountId}/devices/{_machine.Device.DeviceId}")).EnsureSuccessStatusCode();
        }

        var result = await _machine.RunAsync("backup", _tree);

        AssertOneSentence(result, ExitCodes.Failure, "This device was revoked by the operator; enroll it again with a new code.");
        using var index = new LocalIndex(Path.Combine(_machine.ConfigPath, $"index-{_machine.Device.DeviceId}.db"));
        Assert.Null(index.Find(CatalogPath.FromLocal(file))?.Hash);
    }

    [Fact]
    public async Task WrongOperatorKey_IsSaidToBeWrong_NotMissing()
    {
        var keyFile = Path.Combine(_tree, "operator.key");
        await File.WriteAllTextAsync(keyFile, "bko_not-the-key");

        var result = await _machine.RunAsync("admin", "login", "--server", backend.BaseAddress.ToString(), "--key-file", keyFile);

        AssertOneSentence(result, ExitCodes.Failure, "The operator key is wrong");
        Assert.False(File.Exists(Path.Combine(_machine.ConfigPath, OperatorConfig.FileName)));
    }

    [Fact]
    public async Task Interrupt_DuringBackup_SaysInterrupted_AndExits130()
    {
        // Paced to 64 KB/s, 2 MB take half a minute: the signal lands mid-upload.
        await File.WriteAllBytesAsync(Path.Combine(_tree, "big.bin"), new byte[2 * 1024 * 1024]);
        using var process = _machine.Start("backup", _tree, "--json", "--max-upload-rate", "64KB");
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line && !line.Contains("\"planned\""))
        {
        }

        using (var interrupt = System.Diagnostics.Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await interrupt.WaitForExitAsync(timeout.Token);
        }

        var drain = process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        await drain;

        AssertOneSentence((process.ExitCode, "", await error), ExitCodes.Interrupted, "Interrupted; run it again to continue.");
    }

    [Fact]
    public async Task SecondBackendOnAUsedPort_IsOneSentence_Exit1()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var data = Directory.CreateDirectory(Path.Combine(_tree, "backend-data")).FullName;
        var error = new StringWriter();

        var code = await LocalBackend.RunAsync(
            ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data", data,
             "--DataStorage", backend.ConnectionString, "--Operator:KeyHash", Secrets.Hash(BackendFixture.OperatorKey)], error);

        AssertOneSentence((code, "", error.ToString()), ExitCodes.Failure, $"Port {port} is in use: stop what runs there or give --port another number.");
    }

    /// <summary>The exit code, exactly one line on standard error starting with (or holding)
    /// <paramref name="sentence"/>, and no stack frame anywhere.</summary>
    private static void AssertOneSentence((int Code, string Out, string Error) result, int code, string sentence)
    {
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected one line on standard error, got {lines.Length}:\n{result.Error}");
        Assert.Contains(sentence, lines[0]);
        Assert.DoesNotContain("   at ", result.Error + result.Out);
        Assert.DoesNotContain("Exception", result.Error);
        Assert.Equal(code, result.Code);
    }

    /// <summary>Points this machine's enrollment at another address, same device.</summary>
    private void Reenroll(Uri server)
    {
        var config = new ConfigFolder(_machine.ConfigPath);
        var device = config.Read<DeviceConfig>(DeviceConfig.FileName)!;
        config.WriteSecret(DeviceConfig.FileName, device with { Server = server.ToString().TrimEnd('/') });
    }

    /// <summary>A port nothing listens on (it was free a moment ago and is closed again).</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Sends every storage request to a port where nothing listens: storage that went away.</summary>
    private sealed class SendToPort(int port) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message) => message.Request.Uri.Port = port;
    }

    public Task DisposeAsync()
    {
        _machine.Dispose();
        Directory.Delete(_tree, recursive: true);
        return Task.CompletedTask;
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;

namespace Backazon.IntegrationTests.Customers;

/// <summary>
/// `backazon enroll` without a code, end to end: the real CLI in a process of its own on a fresh
/// config folder shows a code, a signed-in member answers it through the customer API, and the
/// CLI enrolls (then backs up) or ends with one sentence and a non-zero exit code.
/// </summary>
[Collection(SignInCollection.Name)]
public sealed partial class CliLinkTests(SignInFixture backend) : IDisposable
{
    private readonly string _config = Directory.CreateTempSubdirectory("backazon-link-").FullName;

    [Fact]
    public async Task EnrollWithoutCode_MemberApproves_CliEnrollsAndBacksUp()
    {
        var (account, token) = await CustomerSignInClient.NewMemberAsync(backend);
        using var member = backend.Client(token);
        using var enroll = Cli("enroll", "--server", backend.BaseAddress.ToString(), "--name", "linked-pc");
        var code = await ShownCodeAsync(enroll);

        var asking = await member.GetFromJsonAsync<DeviceLinkView>($"me/device-links/{code}", Api.Json);
        Assert.Equal("linked-pc", asking!.DeviceName);
        Assert.False(string.IsNullOrEmpty(asking.Os));
        Assert.True((await member.PostAsync($"me/device-links/{code}/approve", null)).IsSuccessStatusCode);
        var (exit, output, _) = await EndAsync(enroll);

        Assert.Equal(0, exit);
        Assert.Contains("Enrolled as device 'linked-pc'", output);
        var folder = Directory.CreateDirectory(Path.Combine(_config, "docs")).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "a.txt"), "linked and backed up");
        using var backup = Cli("backup", folder);
        Assert.Equal(0, (await EndAsync(backup)).Exit);
        var device = (await member.GetFromJsonAsync<List<CustomerDeviceView>>("me/devices", Api.Json))!.Single();
        Assert.Equal(("linked-pc", true), (device.Name, device.LastCompleteBackupAt is not null));
        Assert.Equal(account.Id, (await member.GetFromJsonAsync<CustomerAccountView>("me/account", Api.Json))!.Id);
    }

    [Fact]
    public async Task EnrollWithoutCode_Replaces_MemberSeesWhichAndApproves_ComputerTakesOverTheOldDevice()
    {
        var (account, token) = await CustomerSignInClient.NewMemberAsync(backend, plan: "trial");
        var old = await backend.EnrollAsync(account.Id, "dead-pc");
        using var member = backend.Client(token);
        using var enroll = Cli("enroll", "--server", backend.BaseAddress.ToString(), "--name", "new-pc", "--replaces", "dead-pc");
        var code = await ShownCodeAsync(enroll);

        Assert.Equal("dead-pc", (await member.GetFromJsonAsync<DeviceLinkView>($"me/device-links/{code}", Api.Json))!.Replaces);
        Assert.True((await member.PostAsync($"me/device-links/{code}/approve", null)).IsSuccessStatusCode);
        var (exit, output, _) = await EndAsync(enroll);

        Assert.Equal(0, exit);
        Assert.Contains($"Enrolled as device 'new-pc' ({old.DeviceId})", output);
        Assert.Contains("took over 'dead-pc'", output);
        var device = (await member.GetFromJsonAsync<List<CustomerDeviceView>>("me/devices", Api.Json))!.Single();
        Assert.Equal((old.DeviceId, "new-pc", false), (device.Id, device.Name, device.Revoked));
    }

    [Fact]
    public async Task EnrollWithoutCode_MemberApprovesWithReplaces_ComputerTakesOverThatDevice()
    {
        var (account, token) = await CustomerSignInClient.NewMemberAsync(backend);
        var old = await backend.EnrollAsync(account.Id, "stolen-pc");
        using var member = backend.Client(token);
        using var enroll = Cli("enroll", "--server", backend.BaseAddress.ToString(), "--name", "new-pc");
        var code = await ShownCodeAsync(enroll);

        var approved = await member.PostAsJsonAsync($"me/device-links/{code}/approve", new ApproveDeviceLinkRequest(old.DeviceId), Api.Json);
        var (exit, output, _) = await EndAsync(enroll);

        Assert.True(approved.IsSuccessStatusCode, await approved.Content.ReadAsStringAsync());
        Assert.Equal(0, exit);
        Assert.Contains($"({old.DeviceId})", output);
        Assert.Contains("took over 'stolen-pc'", output);
    }

    [Fact]
    public async Task EnrollWithoutCode_Denied_EndsInOneSentence()
    {
        var (_, token) = await CustomerSignInClient.NewMemberAsync(backend);
        using var member = backend.Client(token);
        using var enroll = Cli("enroll", "--server", backend.BaseAddress.ToString());
        var code = await ShownCodeAsync(enroll);
        Assert.True((await member.PostAsync($"me/device-links/{code}/deny", null)).IsSuccessStatusCode);

        var (exit, _, error) = await EndAsync(enroll);

        Assert.Equal(1, exit);
        Assert.Equal("The request to link this computer was denied.", error.Trim());
        Assert.False(File.Exists(Path.Combine(_config, "device.json")));
    }

    [Fact]
    public async Task EnrollWithoutCode_PlanFull_MemberAndComputerAreBothToldInOneSentence()
    {
        var (account, token) = await CustomerSignInClient.NewMemberAsync(backend, plan: "trial");
        await backend.EnrollAsync(account.Id, "the one allowed");
        using var member = backend.Client(token);
        using var enroll = Cli("enroll", "--server", backend.BaseAddress.ToString());
        var code = await ShownCodeAsync(enroll);

        var refused = await Api.ProblemAsync(await member.PostAsync($"me/device-links/{code}/approve", null), HttpStatusCode.Conflict);
        var (exit, _, error) = await EndAsync(enroll);

        const string sentence = "The Trial plan allows 1 device(s) and 1 are enrolled; revoke one, then run 'backazon enroll' again.";
        Assert.Equal(sentence, refused.GetProperty("detail").GetString());
        Assert.Equal((1, sentence), (exit, error.Trim()));
    }

    [Fact]
    public async Task EnrollWithoutCode_NobodyAnswersInTime_EndsInOneSentence()
    {
        using var enroll = Cli("enroll", "--server", backend.BaseAddress.ToString());
        await ShownCodeAsync(enroll);
        try
        {
            // The backend's clock goes past the code's ten minutes; the CLI's next poll hears it.
            backend.Clock.Offset = TimeSpan.FromMinutes(11);
            var (exit, _, error) = await EndAsync(enroll);

            Assert.Equal(1, exit);
            Assert.Equal("The code expired before anyone approved it; run 'backazon enroll' again for a new one.", error.Trim());
        }
        finally
        {
            backend.Clock.Offset = TimeSpan.Zero;
        }
    }

    private Process Cli(params string[] args) => CliHarness.StartIn(_config, new Dictionary<string, string>(), args);

    /// <summary>Reads the CLI's output until it shows the code, and checks how it shows it.</summary>
    private async Task<string> ShownCodeAsync(Process cli)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await cli.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (Shown().Match(line) is { Success: true } match)
            {
                Assert.Equal(new Uri(backend.BaseAddress, "/api/web/#/link").ToString(), match.Groups[1].Value);
                return match.Groups[2].Value;
            }
        }

        Assert.Fail($"The CLI ended without showing a code: {await cli.StandardError.ReadToEndAsync()}");
        return "";
    }

    private static async Task<(int Exit, string Output, string Error)> EndAsync(Process cli)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var output = cli.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = cli.StandardError.ReadToEndAsync(timeout.Token);
        await cli.WaitForExitAsync(timeout.Token);
        return (cli.ExitCode, await output, await error);
    }

    public void Dispose() => Directory.Delete(_config, recursive: true);

    [GeneratedRegex(@"^Open (\S+) and enter ([BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4})$")]
    private static partial Regex Shown();
}

using Backazon.IntegrationTests.Infrastructure;
using Backazon.Uploader;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Commands;
using Backazon.Uploader.Configuration;

namespace Backazon.IntegrationTests.Customers;

/// <summary>The operator's `backazon admin invite` and `admin members`, in-process over HTTP.</summary>
[Collection(SignInCollection.Name)]
public sealed class CliMemberTests(SignInFixture backend) : IDisposable
{
    private readonly string _config = Directory.CreateTempSubdirectory("backazon-admin-").FullName;

    [Fact]
    public async Task AdminInvite_LinkIsAccepted_MembersListShowsThePerson_RemoveTakesThemOut()
    {
        var keyFile = Path.Combine(_config, "key");
        await File.WriteAllTextAsync(keyFile, BackendFixture.OperatorKey);
        Assert.Equal(0, (await RunAsync("admin", "login", "--server", backend.BaseAddress.ToString(), "--key-file", keyFile)).Code);
        var account = await backend.CreateAccountAsync();

        var link = (await RunAsync("admin", "invite", account.Id, "ada@example.com", "-q")).Out.Trim();
        var token = await CustomerSignInClient.SignInAsync(backend, backend.NewUser());
        await CustomerSignInClient.AcceptAsync(backend, token, Uri.UnescapeDataString(link[(link.IndexOf("token=", StringComparison.Ordinal) + "token=".Length)..]));
        var listed = await RunAsync("admin", "members", "list", account.Id);
        var memberId = listed.Out.Split(' ')[0];
        var removed = await RunAsync("admin", "members", "remove", account.Id, memberId);
        var unknown = await RunAsync("admin", "members", "remove", account.Id, memberId);

        Assert.StartsWith(new Uri(backend.BaseAddress, "/api/web/#/invite?token=").ToString(), link);
        Assert.Contains("ada@example.com  joined ", listed.Out);
        Assert.Equal(0, removed.Code);
        Assert.Equal((ExitCodes.Failure, "The member was not found."), (unknown.Code, unknown.Error.Trim()));
        Assert.Equal("", (await RunAsync("admin", "members", "list", account.Id)).Out);
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

using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;

namespace Backazon.IntegrationTests.Web;

public static class WebMembers
{
    /// <summary>A member of a new account: invited by the operator, signed in once (to accept).
    /// Signs in in the browser as the returned user, with the password "pw-" + user.</summary>
    public static async Task<(AccountView Account, string User)> NewAsync(SignInFixture backend, string name)
    {
        var account = await backend.CreateAccountAsync(name: name);
        var user = backend.NewUser();
        var token = await CustomerSignInClient.SignInAsync(backend, user);
        await CustomerSignInClient.AcceptAsync(backend, token, (await CustomerSignInClient.InviteAsync(backend, account.Id)).Token);
        return (account, user);
    }
}

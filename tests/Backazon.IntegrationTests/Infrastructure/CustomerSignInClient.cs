using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Backazon.Contracts;

namespace Backazon.IntegrationTests.Infrastructure;

/// <summary>
/// Signs a test user in at the local issuer as a browser would: the authorization code flow with
/// PKCE — GET the authorization endpoint, POST its sign-in form, read the code from the redirect,
/// trade it at the token endpoint.
/// </summary>
public static partial class CustomerSignInClient
{
    public static async Task<string> SignInAsync(BackendFixture backend, string user, string? password = null)
    {
        password ??= "pw-" + user;
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = backend.BaseAddress };
        // What a web page is told: where to sign in, as which client, asking for what.
        var configuration = (await http.GetFromJsonAsync<SignInConfigurationView>("/api/sign-in", Api.Json))!;
        Assert.Equal(new Uri(backend.BaseAddress, "/").ToString(), configuration.Authority);
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var redirect = new Uri(backend.BaseAddress, "/signed-in").ToString();
        var state = Base64Url(RandomNumberGenerator.GetBytes(16));
        var query = string.Join("&", new Dictionary<string, string>
        {
            ["client_id"] = configuration.ClientId!,
            ["redirect_uri"] = redirect,
            ["response_type"] = "code",
            ["scope"] = configuration.Scope!,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
            ["state"] = state,
        }.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}"));

        var page = await http.GetAsync("/connect/authorize?" + query);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        var form = HiddenInput().Matches(html).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));
        Assert.Contains("<label>User name", html);
        form["username"] = user;
        form["password"] = password;

        var signedIn = await http.PostAsync("/connect/authorize", new FormUrlEncodedContent(form));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var location = signedIn.Headers.Location!;
        Assert.StartsWith(redirect, location.ToString());
        var parameters = location.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
        Assert.Equal(state, parameters["state"]);

        var token = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = parameters["code"],
            ["redirect_uri"] = redirect,
            ["client_id"] = configuration.ClientId!,
            ["code_verifier"] = verifier,
        }));
        var body = await token.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(token.IsSuccessStatusCode, body.ToString());
        return body.GetProperty("access_token").GetString()!;
    }

    /// <summary>A new user of a new account: invited by the operator, signed in, invitation accepted.</summary>
    public static async Task<(AccountView Account, string Token)> NewMemberAsync(SignInFixture backend, string plan = "personal")
    {
        var account = await backend.CreateAccountAsync(plan);
        var token = await SignInAsync(backend, backend.NewUser());
        await AcceptAsync(backend, token, (await InviteAsync(backend, account.Id)).Token);
        return (account, token);
    }

    public static async Task<InvitationView> InviteAsync(BackendFixture backend, string accountId, string email = "someone@example.com")
    {
        using var client = backend.OperatorClient();
        var response = await client.PostAsJsonAsync($"admin/accounts/{accountId}/invitations", new CreateInvitationRequest(email), Api.Json);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<InvitationView>(Api.Json))!;
    }

    public static async Task<HttpResponseMessage> AcceptAsync(BackendFixture backend, string token, string invitation, bool ensure = true)
    {
        using var client = backend.Client(token);
        var response = await client.PostAsJsonAsync("me/invitations/accept", new AcceptInvitationRequest(invitation), Api.Json);
        if (ensure)
        {
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }

        return response;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenInput();
}

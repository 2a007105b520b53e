using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using Microsoft.AspNetCore;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Backazon.LocalHost.LocalIssuer;

/// <summary>
/// The local issuer's two handlers: the authorization endpoint shows a sign-in form (posted back to
/// itself with the request's parameters) and, with a test user's name and password, signs them
/// in; the token endpoint trades the code (OpenIddict has checked it and its PKCE verifier).
/// </summary>
public static class SignInPage
{
    public static IResult Authorize(HttpContext context, IOptions<LocalIssuerOptions> options)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("OpenIddict did not pass an authorization request on.");
        var name = (string?)request.GetParameter("username");
        if (name is null)
        {
            return Page(request, error: null);
        }

        var password = (string?)request.GetParameter("password") ?? "";
        if (!options.Value.UsersOrDefaults().TryGetValue(name, out var user) || !Same(password, user.Password))
        {
            return Page(request, "Unknown user or wrong password.");
        }

        var identity = new ClaimsIdentity("local-issuer", Claims.Name, Claims.Role);
        // A stable subject per user, as an issuer keeps one per account.
        identity.SetClaim(Claims.Subject, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("local-user:" + name)))[..32]);
        identity.SetClaim(Claims.Name, name);
        identity.SetClaim(Claims.Email, user.Email ?? $"{name}@example.com");
        identity.SetScopes(request.GetScopes());
        identity.SetResources(LocalIssuerOptions.Audience);
        identity.SetAudiences(LocalIssuerOptions.Audience);
        identity.SetDestinations(_ => [Destinations.AccessToken, Destinations.IdentityToken]);
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    public static async Task<IResult> TokenAsync(HttpContext context)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("OpenIddict did not pass a token request on.");
        if (!request.IsAuthorizationCodeGrantType())
        {
            return Results.BadRequest();
        }

        // The principal the code was issued for (OpenIddict validated the code, client and verifier).
        var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        return Results.SignIn(result.Principal!, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static IResult Page(OpenIddictRequest request, string? error)
    {
        var html = new StringBuilder("""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Sign in (local)</title></head>
            <body><main>
            <h1>Sign in to Backazon</h1>
            <p>This is the local sign-in of a development backend, standing in for the operator's identity provider.</p>
            """);
        if (error is not null)
        {
            html.Append("<p role=\"alert\">").Append(WebUtility.HtmlEncode(error)).Append("</p>");
        }

        html.Append("<form method=\"post\" action=\"/connect/authorize\">");
        foreach (var (key, value) in request.GetParameters())
        {
            if (key is "username" or "password")
            {
                continue;
            }

            html.Append("<input type=\"hidden\" name=\"").Append(WebUtility.HtmlEncode(key))
                .Append("\" value=\"").Append(WebUtility.HtmlEncode((string?)value)).Append("\">");
        }

        html.Append("""
            <label>User name <input name="username" autocomplete="username" required></label>
            <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
            <button type="submit">Sign in</button>
            </form></main></body></html>
            """);
        return Results.Content(html.ToString(), "text/html; charset=utf-8");
    }

    private static bool Same(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}

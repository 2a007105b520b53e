using Backazon.Backend.Customers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Backazon.LocalHost.LocalIssuer;

/// <summary>
/// The local stand-in for the operator's identity provider (Microsoft Entra External ID in Azure),
/// and nothing more: an OpenIddict server with the authorization code flow and PKCE, a minimal
/// sign-in page and configured test users, so customers sign in on this machine and in tests with
/// no Azure account. The backend is told only its address and audience, and validates its tokens
/// through discovery exactly as it would External ID's. It lives here, never in Backazon.Backend
/// or Backazon.Functions: a deployment has no issuer of its own.
/// </summary>
public static class LocalIssuerRegistration
{
    public static WebApplicationBuilder AddLocalIssuer(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<LocalIssuerOptions>().BindConfiguration("LocalIssuer");
        // One database per app: tests run several backends in one process.
        var database = "local-issuer-" + Guid.NewGuid().ToString("n");
        services.AddDbContext<LocalIssuerDbContext>(options => options
            .UseInMemoryDatabase(database)
            .UseOpenIddict()
            // The in-memory store has no transactions; OpenIddict asks for one when it redeems a code.
            .ConfigureWarnings(w => w.Ignore(InMemoryEventId.TransactionIgnoredWarning)));
        services.AddOpenIddict()
            .AddCore(options => options.UseEntityFrameworkCore().UseDbContext<LocalIssuerDbContext>())
            .AddServer(options =>
            {
                options.SetAuthorizationEndpointUris("connect/authorize").SetTokenEndpointUris("connect/token");
                options.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                options.RegisterScopes(Scopes.OpenId, Scopes.Email, Scopes.Profile, LocalIssuerOptions.ApiScope);
                // Keys live as long as the process: tokens from before a restart stop validating,
                // as they would after a key rollover at a real issuer.
                options.AddEphemeralEncryptionKey().AddEphemeralSigningKey();
                // Access tokens are signed JWTs, as External ID's are, so the backend reads them the same way.
                options.DisableAccessTokenEncryption();
                options.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    // Plain HTTP on loopback only; the backend refuses HTTP metadata elsewhere.
                    .DisableTransportSecurityRequirement();
            });
        services.AddHostedService<LocalIssuerClient>();

        // The backend's customer sign-in points here unless configured otherwise; read when first
        // needed, after the server has its port.
        services.AddOptions<CustomerSignInOptions>().PostConfigure<IServer>((options, server) =>
        {
            if (string.IsNullOrWhiteSpace(options.Authority))
            {
                options.Authority = Addresses(server).First() + "/";
                options.Audience ??= LocalIssuerOptions.Audience;
                options.ClientId ??= LocalIssuerOptions.ClientId;
                options.Scope ??= $"{Scopes.OpenId} {Scopes.Email} {LocalIssuerOptions.ApiScope}";
            }
        });
        return builder;
    }

    public static WebApplication MapLocalIssuer(this WebApplication app)
    {
        app.UseAuthentication();
        app.MapMethods("/connect/authorize", ["GET", "POST"], (Delegate)SignInPage.Authorize).WithDisplayName("LocalIssuer.Authorize");
        app.MapPost("/connect/token", (Delegate)SignInPage.TokenAsync).WithDisplayName("LocalIssuer.Token");
        return app;
    }

    /// <summary>The addresses the server listens on, without a trailing slash.</summary>
    public static IEnumerable<string> Addresses(IServer server) =>
        (server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []).Select(a => a.TrimEnd('/'));
}

using Backazon.Backend.Customers;
using Backazon.Backend.Errors;
using Backazon.Backend.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Backazon.UnitTests.Backend;

/// <summary>What a customer is told when sign-in cannot even be tried: it is off, or the issuer
/// cannot be reached (the token may be fine: a 503, not a 401 asking them to sign in again).</summary>
public sealed class CustomerAuthenticatorTests
{
    [Fact]
    public async Task IdentifyAsync_SignInNotConfigured_Is401SayingSo()
    {
        var refused = await Assert.ThrowsAsync<BackazonException>(() => Authenticator(new(), new ServiceCollection().BuildServiceProvider()).IdentifyAsync(Request(null)));
        Assert.Equal(ProblemKind.Unauthorized, refused.Kind);
        Assert.Contains("no customer sign-in configured", refused.Detail);
    }

    [Fact]
    public async Task IdentifyAsync_IssuerUnreachable_IsBusyNotUnauthorized()
    {
        // Port 1 on loopback: nothing listens, so discovery fails at once.
        var settings = new Dictionary<string, string?> { ["CustomerSignIn:Authority"] = "http://127.0.0.1:1/", ["CustomerSignIn:Audience"] = "api" };
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddCustomerSignIn();
        await using var provider = services.BuildServiceProvider();
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor { Issuer = "http://127.0.0.1:1/", Audience = "api" });

        var refused = await Assert.ThrowsAsync<BackazonException>(() =>
            Authenticator(provider.GetRequiredService<IOptions<CustomerSignInOptions>>().Value, provider).IdentifyAsync(Request(token, provider)));

        Assert.Equal(ProblemKind.Busy, refused.Kind);
        Assert.Equal("The sign-in service cannot be reached right now; try again in a moment.", refused.Detail);
    }

    private static CustomerAuthenticator Authenticator(CustomerSignInOptions options, IServiceProvider services)
    {
        var storage = StorageClients.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(
            new Dictionary<string, string?> { ["DataStorage"] = "UseDevelopmentStorage=true" }).Build());
        var store = new Backazon.Backend.Accounts.AccountStore(storage, new Backazon.Backend.Plans.PlanCatalog(new ConfigurationBuilder().Build()));
        return new CustomerAuthenticator(Options.Create(options), services.GetService<IOptionsMonitor<Microsoft.AspNetCore.Authentication.JwtBearer.JwtBearerOptions>>()!, new MembershipService(storage, store, new Backazon.Backend.Storage.DueIndex(storage), Options.Create(options), TimeProvider.System),
            NullLogger<CustomerAuthenticator>.Instance);
    }

    private static HttpContext Request(string? token, IServiceProvider? services = null)
    {
        var context = new DefaultHttpContext { RequestServices = services ?? new ServiceCollection().BuildServiceProvider() };
        if (token is not null)
        {
            context.Request.Headers.Authorization = "Bearer " + token;
        }

        return context;
    }
}

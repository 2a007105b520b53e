using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Backazon.LocalHost.LocalIssuer;

/// <summary>Registers the local client once the server listens, since its redirect URI names the
/// port (which may have been chosen by the system).</summary>
public sealed class LocalIssuerClient(IServiceProvider services, IServer server, Microsoft.Extensions.Options.IOptions<LocalIssuerOptions> options) : IHostedLifecycleService
{
    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        if (await manager.FindByClientIdAsync(LocalIssuerOptions.ClientId, cancellationToken) is not null)
        {
            return;
        }

        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = LocalIssuerOptions.ClientId,
            ClientType = ClientTypes.Public,
            DisplayName = "Backazon (local)",
            Permissions =
            {
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.Token,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.ResponseTypes.Code,
                Permissions.Scopes.Email,
                Permissions.Scopes.Profile,
                Permissions.Prefixes.Scope + LocalIssuerOptions.ApiScope,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        foreach (var address in LocalIssuerRegistration.Addresses(server))
        {
            descriptor.RedirectUris.Add(new Uri(address + LocalIssuerOptions.SignedInPath));
            descriptor.RedirectUris.Add(new Uri(address + LocalIssuerOptions.WebPagePath));
        }

        foreach (var uri in options.Value.RedirectUris)
        {
            descriptor.RedirectUris.Add(new Uri(uri));
        }

        await manager.CreateAsync(descriptor, cancellationToken);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

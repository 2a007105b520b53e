using Backazon.LocalHost.Azurite;

namespace Backazon.IntegrationTests.Infrastructure;

/// <summary>One in-memory Azurite for the whole test run, on free ports (installed on first use).</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public AzuriteProcess Azurite { get; private set; } = null!;

    public async Task InitializeAsync() => Azurite = await AzuriteProcess.StartAsync(new AzuriteOptions());

    public async Task DisposeAsync() => await Azurite.DisposeAsync();
}

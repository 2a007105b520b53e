using Backazon.Backend;
using Backazon.Functions.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Backazon.Functions;

public static class FunctionsHostBuilderExtensions
{
    /// <summary>The one registration call, shared by the Functions host and the local runtime.</summary>
    public static IHostApplicationBuilder AddBackazonFunctions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddBackazonFunctions(builder.Configuration);
        return builder;
    }

    public static IServiceCollection AddBackazonFunctions(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        services.AddBackazonBackend(configuration);
        services.AddSingleton<ApiEndpoint>();
        return services;
    }
}

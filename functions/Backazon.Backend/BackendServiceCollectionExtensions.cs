using Backazon.Backend.Accounts;
using Backazon.Backend.Catalog;
using Backazon.Backend.Configuration;
using Backazon.Backend.Devices;
using Backazon.Backend.Plans;
using Backazon.Backend.Security;
using Backazon.Backend.Storage;
using Backazon.Backend.Uploads;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Backazon.Backend;

public static class BackendServiceCollectionExtensions
{
    /// <summary>Everything the backend needs, whichever host runs it.</summary>
    public static IServiceCollection AddBackazonBackend(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_ => StorageClients.FromConfiguration(configuration));
        services.AddHostedService<StorageInitializer>();
        services.AddSingleton(_ => new PlanCatalog(configuration));
        services.AddOptions<SasOptions>().BindConfiguration("Sas").Validate(o => o.UploadMinutes is > 0 and <= 60 && o.DownloadHours is > 0 and <= 168,
            "Sas:UploadMinutes must be 1..60 and Sas:DownloadHours 1..168.").ValidateOnStart();
        services.AddOptions<OperatorOptions>().BindConfiguration("Operator");

        services.AddSingleton<AccountStore>();
        services.AddSingleton<AccountService>();
        services.AddSingleton<EnrollmentService>();
        services.AddSingleton<DeviceAuthenticator>();
        services.AddSingleton<OperatorAuthenticator>();
        services.AddSingleton<RunReportService>();

        services.AddSingleton<SasIssuer>();
        services.AddSingleton<UploadGrantService>();
        services.AddSingleton<CommitService>();
        services.AddSingleton<ContentVerifier>();
        services.AddSingleton<CatalogWriter>();
        services.AddSingleton<CatalogReader>();
        services.AddSingleton<CommitCataloger>();
        services.AddSingleton<GrantSweeper>();
        services.AddSingleton<Restores.RestoreService>();
        return services;
    }
}

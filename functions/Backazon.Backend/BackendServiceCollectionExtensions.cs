using Backazon.Backend.Accounts;
using Backazon.Backend.Catalog;
using Backazon.Backend.Configuration;
using Backazon.Backend.Content;
using Backazon.Backend.Customers;
using Backazon.Backend.Devices;
using Backazon.Backend.Messages;
using Backazon.Backend.Nightly;
using Backazon.Backend.Operators;
using Backazon.Backend.Plans;
using Backazon.Backend.Retention;
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
        services.AddSingleton(provider => StorageClients.FromConfiguration(configuration, provider.GetServices<Azure.Core.Pipeline.HttpPipelinePolicy>()));
        services.AddHostedService<StorageInitializer>();
        services.AddSingleton(_ => new PlanCatalog(configuration));
        services.AddOptions<SasOptions>().BindConfiguration("Sas").Validate(o => o.UploadMinutes is > 0 and <= 60 && o.DownloadHours is > 0 and <= 168,
            "Sas:UploadMinutes must be 1..60 and Sas:DownloadHours 1..168.").ValidateOnStart();
        services.AddOptions<OperatorOptions>().BindConfiguration("Operator");
        services.AddOptions<LifecycleOptions>().BindConfiguration("Lifecycle").Validate(o => o.PurgeAfterDays >= 1 && o.StaleDeviceHours > 0
            && o.ContentReleaseDelayHours >= 1 && o.SweepBudgetSeconds >= 0 && o.SweepPageSize >= 1 && (string.IsNullOrWhiteSpace(o.StaleDeviceWebhookUrl) || Uri.IsWellFormedUriString(o.StaleDeviceWebhookUrl, UriKind.Absolute)),
            "Lifecycle: PurgeAfterDays >= 1, StaleDeviceHours > 0, ContentReleaseDelayHours >= 1, SweepBudgetSeconds >= 0, SweepPageSize >= 1, StaleDeviceWebhookUrl absolute.").ValidateOnStart();
        services.AddHttpClient();

        services.AddSingleton<AccountStore>();
        services.AddSingleton<AccountIndex>();
        services.AddSingleton<AccountService>();
        services.AddSingleton<EnrollmentService>();
        services.AddSingleton<DeviceReplacement>();
        services.AddSingleton<DeviceAuthenticator>();
        services.AddSingleton<OperatorAuthenticator>();
        services.AddSingleton<RunReportService>();

        services.AddCustomerSignIn();
        services.AddSingleton<Customers.MembershipService>();
        services.AddSingleton<Customers.CustomerAuthenticator>();
        services.AddSingleton<Customers.CustomerService>();
        services.AddSingleton<Customers.UploaderBuilds>();
        services.AddSingleton<Customers.DeviceLinkService>();
        services.AddSingleton<Customers.LinkRequestLimiter>();
        services.AddSingleton<Customers.ExpiredCodeCleaner>();

        services.AddSingleton<SasIssuer>();
        services.AddSingleton<GrantLedger>();
        services.AddSingleton<ContentRows>();
        services.AddSingleton<ContentGrants>();
        services.AddSingleton<UploadGrantService>();
        services.AddSingleton<CommitService>();
        services.AddSingleton<ContentBlobs>();
        services.AddSingleton<Content.ChunkLists>();
        services.AddSingleton<Content.ChunkedContentBuilder>();
        services.AddSingleton<Content.LineageBlobs>();
        services.AddSingleton<DueIndex>();
        services.AddSingleton<ContentVerifier>();
        services.AddSingleton<ReferenceIndex>();
        services.AddSingleton<CatalogWriter>();
        services.AddSingleton<CatalogReader>();
        services.AddSingleton<CatalogWalk>();
        services.AddSingleton<CommitCataloger>();
        services.AddSingleton<GrantSweeper>();
        services.AddSingleton<IRetentionQueue, StorageRetentionQueue>();
        services.AddSingleton<ContentReleaser>();
        services.AddSingleton<ContentTiering>();
        services.AddSingleton<ColdAfterCheck>();
        services.AddSingleton<AccountLifecycleService>();
        services.AddSingleton<StaleDeviceService>();
        services.AddSingleton<UsageRecounter>();
        services.AddSingleton<RetentionService>();
        services.AddSingleton<Restores.RestoreService>();
        return services;
    }
}

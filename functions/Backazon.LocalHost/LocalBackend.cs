using System.Reflection;
using Backazon.Backend.Configuration;
using Backazon.Backend.Security;
using Backazon.Backend.Storage;
using Backazon.Functions;
using Backazon.LocalHost.Azurite;
using Backazon.LocalHost.Functions;
using Backazon.LocalHost.LocalIssuer;

namespace Backazon.LocalHost;

/// <summary>
/// The backend on this machine, without Functions Core Tools or an Azure account: the same
/// function classes and registrations as in Azure, on Azurite it starts itself when no storage is
/// configured, with state kept in a data folder so backups survive a restart.
/// </summary>
public static class LocalBackend
{
    public const int DefaultPort = 7071;

    public static string DefaultDataFolder =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "backazon", "local");

    /// <summary>Builds the app. Settings: "port" (7071; 0 picks a free one), "data" (the data
    /// folder), "DataStorage" (use this storage instead of starting Azurite).</summary>
    public static async Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure = null, params Assembly[] extraFunctionAssemblies)
    {
        // Settings (appsettings.json) come from beside the program, wherever it is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        var configuration = builder.Configuration;
        var dataFolder = Path.GetFullPath(configuration["data"] ?? DefaultDataFolder);
        Directory.CreateDirectory(dataFolder);

        AzuriteProcess? azurite = null;
        if (string.IsNullOrWhiteSpace(configuration[AppSettings.DataStorage])
            && string.IsNullOrWhiteSpace(configuration[AppSettings.DataStorageBlobServiceUri.Replace("__", ":")]))
        {
            azurite = await AzuriteProcess.StartAsync(new AzuriteOptions(Location: Path.Combine(dataFolder, "azurite")));
            configuration[AppSettings.DataStorage] = azurite.ConnectionString;
        }

        if (string.IsNullOrWhiteSpace(configuration["Operator:KeyHash"]))
        {
            configuration["Operator:KeyHash"] = Secrets.Hash(OperatorKeyFile.LoadOrCreate(dataFolder));
        }

        var port = int.TryParse(configuration["port"], out var p) ? p : DefaultPort;
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");

        builder.AddBackazonFunctions();
        builder.Services.AddMvcCore();
        // With no issuer configured, customers sign in at the local one (the stand-in for External ID).
        var localIssuer = string.IsNullOrWhiteSpace(configuration["CustomerSignIn:Authority"]);
        if (localIssuer)
        {
            builder.AddLocalIssuer();
        }

        builder.Services.AddHostedService<AzuriteCorsRule>();

        var functions = FunctionDescriptor.Discover([typeof(HealthFunctions).Assembly, .. extraFunctionAssemblies]);
        var queueOptions = QueueHostOptions.FromHostJson(Path.Combine(AppContext.BaseDirectory, "host.json"));
        foreach (var function in functions)
        {
            if (function.Trigger is Microsoft.Azure.Functions.Worker.QueueTriggerAttribute)
            {
                builder.Services.AddSingleton<IHostedService>(s => ActivatorUtilities.CreateInstance<QueueFunctionListener>(s, function, queueOptions));
            }
            else if (function.Trigger is Microsoft.Azure.Functions.Worker.TimerTriggerAttribute)
            {
                builder.Services.AddSingleton<IHostedService>(s => ActivatorUtilities.CreateInstance<TimerFunctionScheduler>(s, function));
            }
        }

        if (azurite is not null)
        {
            // Owned by the container: stopped when the app is disposed, after in-flight work.
            builder.Services.AddSingleton(_ => azurite);
        }

        var app = builder.Build();
        if (localIssuer)
        {
            app.MapLocalIssuer();
        }

        app.MapHttpFunctions(functions);
        if (azurite is not null)
        {
            app.Services.GetRequiredService<AzuriteProcess>();
        }

        app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogInformation(
            "Backazon local backend on {Urls} (the web page at /api/web/); data in {Folder}; operator key in {KeyFile}; {Count} functions.",
            string.Join(", ", app.Urls), dataFolder, OperatorKeyFile.PathIn(dataFolder), functions.Count));
        return app;
    }

    /// <summary>Builds and runs the app until it is stopped; a port that is taken is said in one
    /// sentence (exit code 1), not as Kestrel's stack trace.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter error, CancellationToken cancellationToken = default)
    {
        var app = await BuildAsync(args);
        var port = app.Configuration["port"] ?? DefaultPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            // Runs, then disposes the app, which stops the Azurite it started: also when it fails to start.
            await app.RunAsync(cancellationToken);
            return 0;
        }
        catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            await error.WriteLineAsync($"Port {port} is in use: stop what runs there or give --port another number.");
            return 1;
        }
    }

    /// <summary>The address a started app listens on (with port 0, the one it was given).</summary>
    public static Uri BaseAddress(this WebApplication app) => new(app.Urls.First());

    /// <summary>Data storage of a built app (for tests and tools that inspect it).</summary>
    public static StorageClients Storage(this WebApplication app) => app.Services.GetRequiredService<StorageClients>();
}

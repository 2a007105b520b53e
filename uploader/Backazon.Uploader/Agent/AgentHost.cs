using Backazon.Uploader.Cli;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;

namespace Backazon.Uploader.Agent;

/// <summary>
/// Runs the agent as the operating system's service managers expect: under systemd it reports
/// ready and logs in the journal's format, under Windows' service control it answers stop
/// requests, and anywhere it stops cleanly on SIGTERM or Ctrl+C. It logs to a file in the state
/// folder, a new one each day or each 10 MB, keeping the last 14.
/// </summary>
public static class AgentHost
{
    public const long LogFileBytes = 10 * 1024 * 1024;
    public const int LogFilesKept = 14;

    public static string LogFilePattern(CliContext cli) => Path.Combine(cli.State.LogFolder, "agent-.log");

    public static async Task<int> RunAsync(CliContext cli, AgentOptions options, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddSystemd();
        builder.Services.AddWindowsService(service => service.ServiceName = "Backazon");
        var logging = new LoggerConfiguration()
            .WriteTo.File(LogFilePattern(cli), rollingInterval: RollingInterval.Day, fileSizeLimitBytes: LogFileBytes, rollOnFileSizeLimit: true,
                retainedFileCountLimit: LogFilesKept, outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss zzz} {Level:u3} {Message:lj}{NewLine}{Exception}");
        if (!Console.IsErrorRedirected)
        {
            // Run by hand in a terminal: the log shows there too, on standard error, so that
            // standard output is agent --json's alone. Under a service manager the file is the
            // log (launchd would otherwise keep a second, untrimmed copy).
            logging = logging.WriteTo.Console(outputTemplate: "{Level:u3} {Message:lj}{NewLine}{Exception}", standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose);
        }

        builder.Services.AddSerilog(logging.CreateLogger(), dispose: true);
        builder.Services.AddSingleton(cli);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<AgentService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<AgentService>());
        builder.Services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);
        using var host = builder.Build();
        var service = host.Services.GetRequiredService<AgentService>();
        await host.RunAsync(cancellationToken);
        return service.Failure is { } failure ? throw failure : ExitCodes.Success;
    }

    private sealed class AgentService(CliContext cli, AgentOptions options, ILogger<AgentLoop> logger, IHostApplicationLifetime lifetime) : BackgroundService
    {
        public CliException? Failure { get; private set; }

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            try
            {
                await new AgentLoop(cli, options, logger).RunAsync(stoppingToken);
            }
            catch (CliException e)
            {
                // Nothing to run as (not enrolled): say it once and stop, rather than retry forever.
                logger.LogError("{Problem}", e.Message);
                Failure = e;
            }
            finally
            {
                lifetime.StopApplication();
            }
        }
    }
}

using System.Diagnostics;

namespace Backazon.LocalHost.Azurite;

/// <summary>
/// Finds Azurite, or installs the pinned version with npm into a per-user tools folder the first
/// time, so a fresh machine with only .NET and Node needs no manual step. A file lock keeps
/// parallel test runs from installing twice.
/// </summary>
public static class AzuriteInstaller
{
    public const string Version = "3.37.0";

    public static string ToolsFolder =>
        Environment.GetEnvironmentVariable("BACKAZON_TOOLS")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "backazon", "tools");

    public static async Task<string> EnsureInstalledAsync(CancellationToken cancellationToken = default)
    {
        var prefix = Path.Combine(ToolsFolder, $"azurite-{Version}");
        var executable = Path.Combine(prefix, "node_modules", ".bin", OperatingSystem.IsWindows() ? "azurite.cmd" : "azurite");
        if (File.Exists(executable))
        {
            return executable;
        }

        Directory.CreateDirectory(prefix);
        await using var installLock = await AcquireLockAsync(Path.Combine(prefix, ".install.lock"), cancellationToken);
        if (File.Exists(executable))
        {
            return executable;
        }

        var npm = new ProcessStartInfo(OperatingSystem.IsWindows() ? "npm.cmd" : "npm")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", prefix, $"azurite@{Version}" })
        {
            npm.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(npm)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("Azurite is not installed and npm was not found: install Node.js (with npm) and try again.", e);
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0 || !File.Exists(executable))
            {
                throw new InvalidOperationException($"Installing Azurite {Version} with npm failed (exit {process.ExitCode}): {await stderr}");
            }
        }

        return executable;
    }

    private static async Task<FileStream> AcquireLockAsync(string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException)
            {
                await Task.Delay(250, cancellationToken);
            }
        }
    }
}

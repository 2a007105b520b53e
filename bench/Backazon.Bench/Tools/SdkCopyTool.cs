using Azure.Storage.Blobs;
using Backazon.Bench.Measuring;

namespace Backazon.Bench.Tools;

/// <summary>
/// The store's own limit here: a plain parallel copy of every file with the Azure SDK through a
/// container SAS (no hashing, no catalog, no change detection), run as this program's
/// "sdk-upload" / "sdk-download" commands in a separate process so it is measured like the others.
/// </summary>
public sealed class SdkCopyTool(string benchDll, Uri containerSasUrl, bool proxied, int parallelism = SdkCopyTool.DefaultParallelism, bool named = false) : IBackupTool
{
    public const int DefaultParallelism = 8;

    /// <summary>"Azure SDK copy", or with its parallelism ("Azure SDK copy ×16") when several run.</summary>
    public string Name => (proxied ? "Azure SDK copy" : "Azure SDK copy, no proxy") + (named ? $" ×{parallelism}" : "");
    public bool Proxied => proxied;
    public bool Incremental => false;

    public async Task<ProcessRun> BackupAsync(string tree)
    {
        var run = await MeasuredProcess.RunAsync("dotnet", [benchDll, "sdk-upload", containerSasUrl.ToString(), tree, parallelism.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        return run.ExitCode == 0 ? run : throw new ToolFailedException(Name, run);
    }

    public async Task<(ProcessRun Run, string RestoredTree)> RestoreAsync(string tree, string target)
    {
        var run = await MeasuredProcess.RunAsync("dotnet", [benchDll, "sdk-download", containerSasUrl.ToString(), target, parallelism.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        return run.ExitCode == 0 ? (run, target) : throw new ToolFailedException(Name, run);
    }

    /// <summary>Every file under <paramref name="root"/> to a blob named by its relative path.</summary>
    public static int ParallelismArgument(IReadOnlyList<string> arguments) =>
        arguments.Count > 2 ? int.Parse(arguments[2], System.Globalization.CultureInfo.InvariantCulture) : DefaultParallelism;

    public static async Task UploadAsync(Uri containerSasUrl, string root, int parallelism)
    {
        var container = new BlobContainerClient(containerSasUrl);
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories);
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (file, ct) =>
            await container.GetBlobClient(Path.GetRelativePath(root, file).Replace('\\', '/')).UploadAsync(file, overwrite: true, ct));
    }

    /// <summary>Every blob of the container to a file under <paramref name="target"/>.</summary>
    public static async Task DownloadAsync(Uri containerSasUrl, string target, int parallelism)
    {
        var container = new BlobContainerClient(containerSasUrl);
        await Parallel.ForEachAsync(container.GetBlobsAsync(), new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (blob, ct) =>
        {
            var path = Path.Combine(target, blob.Name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await container.GetBlobClient(blob.Name).DownloadToAsync(path, ct);
        });
    }
}

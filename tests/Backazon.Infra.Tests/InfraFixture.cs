using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Backazon.Infra.Tests;

/// <summary>
/// What the infra tests read, loaded once: the ARM template compiled from infra/main.bicep, the
/// snapshots bicep evaluates from it for infra/snapshot/ci.bicepparam (the defaults) and
/// ci-deployer-access.bicepparam (every resource with its values, as Azure would deploy them),
/// main.parameters.json and azure.yaml. Runs
/// infra/check.sh first when its outputs are missing or older than the Bicep, so that
/// <c>dotnet test</c> alone is enough. BACKAZON_REPO_ROOT points it at another checkout (for
/// trying a broken rule in a scratch copy without touching the working tree).
/// </summary>
public sealed class InfraFixture
{
    public InfraFixture()
    {
        RepoRoot = Environment.GetEnvironmentVariable("BACKAZON_REPO_ROOT") is { Length: > 0 } root ? root : FindRepoRoot();
        var outputs = Path.Combine(RepoRoot, "artifacts", "infra");
        var templatePath = Path.Combine(outputs, "main.json");
        var snapshotPath = Path.Combine(outputs, "ci.snapshot.json");
        var deployerAccessPath = Path.Combine(outputs, "ci-deployer-access.snapshot.json");
        if (IsStale(templatePath) || IsStale(snapshotPath) || IsStale(deployerAccessPath))
        {
            RunCheckScript();
        }

        TemplateText = File.ReadAllText(templatePath);
        Template = JsonNode.Parse(TemplateText)!.AsObject();
        SnapshotText = File.ReadAllText(snapshotPath);
        var snapshot = JsonNode.Parse(SnapshotText)!.AsObject();
        Resources = PredictedResources(snapshot);
        DeployerAccessResources = PredictedResources(JsonNode.Parse(File.ReadAllText(deployerAccessPath))!.AsObject());
        Outputs = snapshot["outputs"]!.AsObject();
        ParametersFile = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoRoot, "infra", "main.parameters.json")))!.AsObject();
        AzureYaml = File.ReadAllText(Path.Combine(RepoRoot, "azure.yaml"));
    }

    public string RepoRoot { get; }

    /// <summary>The compiled template (artifacts/infra/main.json), as text and parsed.</summary>
    public string TemplateText { get; }
    public JsonObject Template { get; }

    /// <summary>The evaluated deployment (artifacts/infra/ci.snapshot.json).</summary>
    public string SnapshotText { get; }
    public IReadOnlyList<JsonObject> Resources { get; }

    /// <summary>The resources of the same deployment with grantDeployerDataAccess on
    /// (artifacts/infra/ci-deployer-access.snapshot.json).</summary>
    public IReadOnlyList<JsonObject> DeployerAccessResources { get; }
    public JsonObject Outputs { get; }

    /// <summary>The compiled template and every module template nested in it.</summary>
    public IEnumerable<JsonObject> AllTemplates => WithNested(Template);

    public JsonObject ParametersFile { get; }
    public string AzureYaml { get; }

    public IEnumerable<JsonObject> OfType(string type) => OfType(Resources, type);

    public static IEnumerable<JsonObject> OfType(IEnumerable<JsonObject> resources, string type) =>
        resources.Where(r => string.Equals((string?)r["type"], type, StringComparison.OrdinalIgnoreCase));

    public JsonObject Single(string type, string name) =>
        OfType(type).SingleOrDefault(r => (string?)r["name"] == name)
        ?? throw new Xunit.Sdk.XunitException($"The template deploys no {type} named '{name}'.");

    public string DataAccountName => (string)Outputs["DATA_STORAGE_ACCOUNT_NAME"]!;
    public string HostAccountName => (string)Outputs["HOST_STORAGE_ACCOUNT_NAME"]!;
    public JsonObject DataAccount => Single(ResourceTypes.StorageAccount, DataAccountName);
    public JsonObject FunctionApp => Single(ResourceTypes.Site, (string)Outputs["FUNCTION_APP_NAME"]!);
    public JsonObject Identity => OfType(ResourceTypes.UserAssignedIdentity).Single();

    /// <summary>The function app's settings, name to evaluated value (or ARM expression).</summary>
    public IReadOnlyDictionary<string, string> AppSettings =>
        Single(ResourceTypes.SiteConfig, $"{(string)Outputs["FUNCTION_APP_NAME"]!}/appsettings")["properties"]!.AsObject()
            .ToDictionary(p => p.Key, p => p.Value!.ToString());

    /// <summary>Names of the children of one type (queues, tables, ...) of a storage account.</summary>
    public IReadOnlyList<string> ChildNames(string accountName, string childType) =>
        OfType(childType)
            .Select(r => (string)r["name"]!)
            .Where(n => n.StartsWith(accountName + "/", StringComparison.Ordinal))
            .Select(n => n[(n.LastIndexOf('/') + 1)..])
            .ToList();

    private static List<JsonObject> PredictedResources(JsonObject snapshot) =>
        snapshot["predictedResources"]!.AsArray().Select(r => r!.AsObject()).ToList();

    private static IEnumerable<JsonObject> WithNested(JsonObject template)
    {
        yield return template;
        // languageVersion 2.0 templates list resources by symbolic name, older ones in an array.
        var resources = template["resources"] switch
        {
            JsonObject bySymbol => bySymbol.Select(r => r.Value),
            JsonArray list => list.AsEnumerable(),
            _ => [],
        };
        // A module is a deployment whose properties.template is the module's template.
        var nestedTemplates = resources
            .Select(r => r is JsonObject { } o && o["properties"] is JsonObject p ? p["template"] : null)
            .OfType<JsonObject>();
        foreach (var nested in nestedTemplates)
        {
            foreach (var inner in WithNested(nested))
            {
                yield return inner;
            }
        }
    }

    private bool IsStale(string output)
    {
        if (!File.Exists(output))
        {
            return true;
        }

        var built = File.GetLastWriteTimeUtc(output);
        var sources = Directory.EnumerateFiles(Path.Combine(RepoRoot, "infra"), "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".bicep", StringComparison.Ordinal)
                || f.EndsWith(".bicepparam", StringComparison.Ordinal)
                || f.EndsWith("bicepconfig.json", StringComparison.Ordinal));
        return sources.Any(f => File.GetLastWriteTimeUtc(f) > built);
    }

    private void RunCheckScript()
    {
        var (exitCode, stdout, stderr) = RunBash("infra/check.sh");
        if (exitCode != 0)
        {
            throw new InvalidOperationException(
                $"infra/check.sh failed (exit {exitCode}): bicep build, lint or snapshot is not clean.\n{stdout}\n{stderr}");
        }
    }

    /// <summary>Runs a script of the repository (path relative to its root) with bash, from the root.</summary>
    public (int ExitCode, string Stdout, string Stderr) RunBash(string script)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(RepoRoot, script)])
        {
            WorkingDirectory = RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result.Replace("\r\n", "\n", StringComparison.Ordinal), stderr.Result);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "infra", "main.bicep")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No infra/main.bicep above {AppContext.BaseDirectory}.");
    }
}

[CollectionDefinition(Name)]
public sealed class InfraCollection : ICollectionFixture<InfraFixture>
{
    public const string Name = "infra";
}

public static class ResourceTypes
{
    public const string StorageAccount = "Microsoft.Storage/storageAccounts";
    public const string BlobService = "Microsoft.Storage/storageAccounts/blobServices";
    public const string Container = "Microsoft.Storage/storageAccounts/blobServices/containers";
    public const string Queue = "Microsoft.Storage/storageAccounts/queueServices/queues";
    public const string Table = "Microsoft.Storage/storageAccounts/tableServices/tables";
    public const string Site = "Microsoft.Web/sites";
    public const string SiteConfig = "Microsoft.Web/sites/config";
    public const string ServerFarm = "Microsoft.Web/serverfarms";
    public const string UserAssignedIdentity = "Microsoft.ManagedIdentity/userAssignedIdentities";
    public const string ApplicationInsights = "Microsoft.Insights/components";
    public const string RoleAssignment = "Microsoft.Authorization/roleAssignments";
}

/// <summary>Assertions whose failure message names the rule that was broken.</summary>
public static class Rule
{
    public static void Holds(bool condition, string rule, string detail)
    {
        if (!condition)
        {
            throw new Xunit.Sdk.XunitException($"Infra rule broken: {rule}\n{detail}");
        }
    }

    public static void SameSet(IEnumerable<string> expected, IEnumerable<string> actual, string rule)
    {
        var want = expected.ToHashSet(StringComparer.Ordinal);
        var have = actual.ToHashSet(StringComparer.Ordinal);
        var missing = want.Except(have).Order().ToList();
        var unexpected = have.Except(want).Order().ToList();
        Holds(missing.Count == 0 && unexpected.Count == 0, rule,
            $"missing: [{string.Join(", ", missing)}]; unexpected: [{string.Join(", ", unexpected)}]");
    }
}

using System.Text.RegularExpressions;

namespace Backazon.Infra.Tests;

/// <summary>What azd relies on: tags, UPPER_SNAKE outputs, the parameters file, azure.yaml.</summary>
[Collection(InfraCollection.Name)]
public sealed partial class DeploymentTests(InfraFixture infra)
{
    [Fact]
    public void Resources_AreTaggedForAzd()
    {
        // Tracked resources carry tags; child resources, extension resources (role assignments,
        // diagnostic settings) and role definitions cannot.
        var tracked = infra.Resources.Where(r => ((string)r["type"]!).Count(c => c == '/') == 1
            && (string)r["type"]! is not (ResourceTypes.RoleAssignment or "Microsoft.Insights/diagnosticSettings" or "Microsoft.Authorization/roleDefinitions")).ToList();
        var untagged = tracked.Where(r => (string?)r["tags"]?["azd-env-name"] != "ci").Select(r => (string)r["name"]!).ToList();
        Rule.Holds(untagged.Count == 0, "every resource is tagged azd-env-name", $"untagged: [{string.Join(", ", untagged)}]");

        var services = tracked.Where(r => r["tags"]?["azd-service-name"] is not null).ToList();
        Rule.Holds(services.Count == 1 && services[0] == infra.FunctionApp && (string?)services[0]["tags"]!["azd-service-name"] == "api",
            "only the function app is tagged azd-service-name: api (the service in azure.yaml)",
            $"tagged: [{string.Join(", ", services.Select(s => s["name"]))}]");
    }

    [Fact]
    public void Outputs_AreUpperSnakeAndIncludeWhatOperatorsNeed()
    {
        var names = infra.Outputs.Select(o => o.Key).ToList();
        var notUpperSnake = names.Where(n => !UpperSnake().IsMatch(n)).ToList();
        Rule.Holds(notUpperSnake.Count == 0, "outputs are UPPER_SNAKE (azd turns them into environment values)", $"[{string.Join(", ", notUpperSnake)}]");

        string[] required = ["AZURE_LOCATION", "AZURE_RESOURCE_GROUP", "FUNCTION_APP_NAME", "FUNCTION_APP_URL", "DATA_STORAGE_ACCOUNT_NAME"];
        var missing = required.Except(names).ToList();
        Rule.Holds(missing.Count == 0, "outputs include the location, resource group, app name and URL, data account", $"missing: [{string.Join(", ", missing)}]");
        Rule.Holds(infra.Outputs["FUNCTION_APP_URL"]!.ToString().StartsWith("[format('https://{0}'", StringComparison.Ordinal)
                && infra.Outputs["FUNCTION_APP_URL"]!.ToString().EndsWith(".defaultHostName)]", StringComparison.Ordinal),
            "FUNCTION_APP_URL is https://<defaultHostName>", infra.Outputs["FUNCTION_APP_URL"]!.ToString());
    }

    [Fact]
    public void ParametersFile_MapsEveryRequiredParameterToAzdValues()
    {
        var declared = infra.Template["parameters"]!.AsObject();
        var given = infra.ParametersFile["parameters"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!["value"]!.ToString());

        var required = declared.Where(p => p.Value!["defaultValue"] is null && p.Value!["nullable"] is null).Select(p => p.Key);
        var unmapped = required.Except(given.Keys).ToList();
        Rule.Holds(unmapped.Count == 0, "main.parameters.json gives every parameter without a default", $"unmapped: [{string.Join(", ", unmapped)}]");
        var unknown = given.Keys.Except(declared.Select(p => p.Key)).ToList();
        Rule.Holds(unknown.Count == 0, "main.parameters.json names only parameters main.bicep declares", $"unknown: [{string.Join(", ", unknown)}]");

        var expected = new Dictionary<string, string>
        {
            ["environmentName"] = "${AZURE_ENV_NAME}",
            ["location"] = "${AZURE_LOCATION}",
            ["principalId"] = "${AZURE_PRINCIPAL_ID}",
            ["operatorKeyHash"] = "${OPERATOR_KEY_HASH}",
            ["alertEmail"] = "${ALERT_EMAIL}",
        };
        foreach (var (name, value) in expected)
        {
            Rule.Holds(given.GetValueOrDefault(name) == value, $"main.parameters.json maps {name} to {value}", $"got: {given.GetValueOrDefault(name) ?? "(absent)"}");
        }
    }

    [Fact]
    public void AzureYaml_DeploysTheFunctionsProjectAsTheOneService()
    {
        var yaml = infra.AzureYaml;
        foreach (var line in new[] { "name: backazon", "  api:", "    project: ./functions/Backazon.Functions", "    language: dotnet", "    host: function" })
        {
            Rule.Holds(yaml.Split('\n').Any(l => l.TrimEnd() == line), "azure.yaml: one service 'api', the function app project, host function, language dotnet",
                $"no line '{line}'");
        }

        var hooks = HookScript().Matches(yaml).Select(m => m.Groups[1].Value).ToList();
        var absent = hooks.Where(h => !File.Exists(Path.Combine(infra.RepoRoot, h))).ToList();
        Rule.Holds(hooks.Count > 0 && absent.Count == 0, "every hook script azure.yaml runs exists", $"absent: [{string.Join(", ", absent)}]");
    }

    [GeneratedRegex("^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")]
    private static partial Regex UpperSnake();

    [GeneratedRegex(@"run:\s*\./(\S+)")]
    private static partial Regex HookScript();
}

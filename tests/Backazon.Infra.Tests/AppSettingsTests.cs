using Backazon.Backend.Configuration;

namespace Backazon.Infra.Tests;

/// <summary>The function app gets exactly the settings <see cref="AppSettings"/> says it reads.</summary>
[Collection(InfraCollection.Name)]
public sealed class AppSettingsTests(InfraFixture infra)
{
    // Settings of the Functions host and its SDKs, not of Backazon: allowed besides ReadInAzure.
    private static readonly string[] HostSettingPrefixes = ["AzureWebJobsStorage__", "FUNCTIONS_", "APPLICATIONINSIGHTS_"];
    private const string AzureClientId = "AZURE_CLIENT_ID";

    [Fact]
    public void Settings_ReadInAzure_AreAllProvided()
    {
        var missing = AppSettings.ReadInAzure.Where(name => !infra.AppSettings.ContainsKey(name)).ToList();

        Rule.Holds(missing.Count == 0, "every setting in AppSettings.ReadInAzure is an app setting of the function app",
            $"missing: [{string.Join(", ", missing)}]");
    }

    [Fact]
    public void Settings_BeyondReadInAzure_AreHostSettingsOrKnownPlanFields()
    {
        var unknown = infra.AppSettings.Keys
            .Where(name => !AppSettings.ReadInAzure.Contains(name))
            .Where(name => name != AzureClientId && !HostSettingPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
            .Where(name => !IsPlanSetting(name))
            .ToList();

        Rule.Holds(unknown.Count == 0, "the function app gets no setting the code does not read (only host settings and Plans__{plan}__{field} with a field in AppSettings.PlanFields)",
            $"unknown: [{string.Join(", ", unknown)}]");
    }

    [Fact]
    public void Settings_PlanOverrides_BecomePlanSettingsWithKnownFields()
    {
        // infra/snapshot/ci.bicepparam overrides two plans.
        var plans = infra.AppSettings.Where(s => s.Key.StartsWith("Plans__", StringComparison.Ordinal))
            .ToDictionary(s => s.Key, s => s.Value);
        Rule.SameSet(
            ["Plans__personal__DisplayName", "Plans__personal__StorageQuotaBytes", "Plans__family__DeviceLimit"],
            plans.Keys, "the plans parameter becomes Plans__{plan}__{field} settings, one per field given");
        Rule.Holds(plans["Plans__personal__StorageQuotaBytes"] == "1099511627776", "plan settings carry the value given",
            $"Plans__personal__StorageQuotaBytes = {plans["Plans__personal__StorageQuotaBytes"]}");

        // The plans parameter's type accepts exactly the fields the backend reads, nothing else.
        var planType = infra.Template["definitions"]!.AsObject()
            .Single(d => d.Key.EndsWith("planOverride", StringComparison.Ordinal)).Value!.AsObject();
        Rule.SameSet(AppSettings.PlanFields, planType["properties"]!.AsObject().Select(p => p.Key),
            "the planOverride type in infra/modules/types.bicep has exactly the fields of AppSettings.PlanFields");
        Rule.Holds(planType["additionalProperties"]?.GetValue<bool>() == false, "the planOverride type is @sealed() (unknown plan fields are refused at deployment)",
            planType.ToJsonString());
    }

    [Fact]
    public void Settings_DataStorage_UseTheAppIdentityAndTheDataAccount()
    {
        var settings = infra.AppSettings;
        var identityId = (string)infra.Identity["id"]!;
        var dataAccountId = (string)infra.DataAccount["id"]!;

        Rule.Holds(settings[AppSettings.DataStorageCredential] == "managedidentity", "the backend reaches data storage with the managed identity",
            $"{AppSettings.DataStorageCredential} = {settings[AppSettings.DataStorageCredential]}");
        Rule.Holds(settings[AppSettings.DataStorageClientId] == $"[reference('{identityId}', '2023-01-31').clientId]",
            "DataStorage__clientId is the client id of the app's user-assigned identity", settings[AppSettings.DataStorageClientId]);
        foreach (var (name, service) in new[]
        {
            (AppSettings.DataStorageBlobServiceUri, "blob"),
            (AppSettings.DataStorageQueueServiceUri, "queue"),
            (AppSettings.DataStorageTableServiceUri, "table"),
        })
        {
            Rule.Holds(settings[name].StartsWith($"[reference('{dataAccountId}',", StringComparison.Ordinal)
                    && settings[name].EndsWith($").primaryEndpoints.{service}]", StringComparison.Ordinal),
                $"{name} is the data account's {service} endpoint", settings[name]);
        }
    }

    [Fact]
    public void Settings_OperatorKeyHash_ComesFromTheSecureParameterOnly()
    {
        Rule.Holds(infra.AppSettings[AppSettings.OperatorKeyHash] == "[parameters('operatorKeyHash')]",
            "Operator__KeyHash is the operatorKeyHash parameter", infra.AppSettings[AppSettings.OperatorKeyHash]);

        // Every template (main and nested) that takes the hash takes it as a secure string, so it
        // is never shown in deployment history.
        var declarations = infra.AllTemplates
            .Select(t => t["parameters"]?["operatorKeyHash"]?["type"]?.ToString())
            .Where(type => type is not null)
            .ToList();
        Rule.Holds(declarations.Count >= 2 && declarations.All(type => type == "securestring"),
            "operatorKeyHash is @secure() in main.bicep and in every module it passes through",
            $"types: [{string.Join(", ", declarations)}]");
    }

    [Fact]
    public void Settings_Defaults_AreTheDocumentedOnes()
    {
        var expected = new Dictionary<string, string>
        {
            [AppSettings.UploadSasMinutes] = "15",
            [AppSettings.DownloadLinkHours] = "8",
            [AppSettings.GrantSweepSchedule] = "0 */15 * * * *",
            [AppSettings.RetentionSchedule] = "0 30 3 * * *",
        };
        foreach (var (name, value) in expected)
        {
            Rule.Holds(infra.AppSettings[name] == value, $"{name} defaults to '{value}' (infra/README.md)", $"got '{infra.AppSettings[name]}'");
        }
    }

    private static bool IsPlanSetting(string name)
    {
        var parts = name.Split("__");
        return parts.Length == 3 && parts[0] == "Plans" && parts[1].Length > 0 && AppSettings.PlanFields.Contains(parts[2]);
    }
}

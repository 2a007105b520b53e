using System.Text.Json.Nodes;
using Backazon.Backend.Configuration;

namespace Backazon.Infra.Tests;

/// <summary>Logs go to the Log Analytics workspace, and three alerts reach a person by e-mail:
/// messages in a poison queue, failed function executions, storage throttling. infra/README.md
/// ("When an alert fires") is the runbook for each.</summary>
[Collection(InfraCollection.Name)]
public sealed class MonitoringTests(InfraFixture infra)
{
    private const string DiagnosticSettings = "Microsoft.Insights/diagnosticSettings";
    private const string ActionGroup = "Microsoft.Insights/actionGroups";
    private const string ScheduledQueryRule = "Microsoft.Insights/scheduledQueryRules";
    private const string MetricAlert = "Microsoft.Insights/metricAlerts";

    // alertEmail in infra/snapshot/base.bicepparam.
    private const string AlertEmail = "operators@example.com";

    [Theory]
    [InlineData("blobServices")]
    [InlineData("queueServices")]
    [InlineData("tableServices")]
    public void DataAccountService_SendsReadWriteAndDeleteLogsToTheWorkspace(string service)
    {
        var setting = DiagnosticSettingOf($"{(string)infra.DataAccount["id"]!}/{service}/default");

        Rule.SameSet(["StorageRead", "StorageWrite", "StorageDelete"], EnabledCategories(setting, "logs"),
            $"the data account's {service} sends StorageRead, StorageWrite and StorageDelete logs to Log Analytics");
        Rule.SameSet(["Transaction"], EnabledCategories(setting, "metrics"), $"the data account's {service} sends its Transaction metrics to Log Analytics");
    }

    [Fact]
    public void FunctionApp_SendsItsLogsAndMetricsToTheWorkspace()
    {
        var setting = DiagnosticSettingOf((string)infra.FunctionApp["id"]!);

        Rule.SameSet(["FunctionAppLogs"], EnabledCategories(setting, "logs"), "the function app sends FunctionAppLogs to Log Analytics");
        Rule.SameSet(["AllMetrics"], EnabledCategories(setting, "metrics"), "the function app sends AllMetrics to Log Analytics");
    }

    [Fact]
    public void ActionGroup_EmailsTheAlertEmailParameter()
    {
        var parameter = infra.Template["parameters"]!["alertEmail"];
        var receivers = ActionGroupResource()["properties"]?["emailReceivers"]?.AsArray() ?? [];

        Rule.Holds(parameter is not null && parameter["defaultValue"] is null, "alertEmail is a parameter without a default: every deployment says who is told",
            parameter?.ToJsonString() ?? "(no alertEmail parameter)");
        Rule.Holds(receivers.Count == 1 && (string?)receivers[0]!["emailAddress"] == AlertEmail,
            "the action group e-mails the alertEmail parameter", receivers.ToJsonString());
    }

    [Fact]
    public void PoisonAlert_CountsMessagesPutIntoAnyPoisonQueueOfTheDataAccount()
    {
        var rule = Alert(ScheduledQueryRule, "-poison-messages");
        var criterion = rule["properties"]!["criteria"]!["allOf"]![0]!;
        var query = (string)criterion["query"]!;
        var poisonQueues = StorageNames.Queues.Where(q => q.EndsWith(StorageNames.PoisonSuffix, StringComparison.Ordinal)).ToList();

        Rule.Holds(poisonQueues.Count > 0 && poisonQueues.Count == StorageNames.Queues.Count / 2,
            "every work queue has a poison queue named with StorageNames.PoisonSuffix", string.Join(", ", StorageNames.Queues));
        Rule.Holds(ScopesOf(rule).SequenceEqual([WorkspaceId]), "the poison alert queries the Log Analytics workspace", string.Join(", ", ScopesOf(rule)));
        foreach (var part in new[] { "StorageQueueLogs", $"AccountName == \"{infra.DataAccountName}\"", "OperationName == \"PutMessage\"", $"endswith \"{StorageNames.PoisonSuffix}\"" })
        {
            Rule.Holds(query.Contains(part, StringComparison.Ordinal), $"the poison alert counts PutMessage into any queue ending {StorageNames.PoisonSuffix} on the data account", $"no '{part}' in: {query}");
        }

        Rule.Holds((string?)criterion["operator"] == "GreaterThan" && criterion["threshold"]?.GetValue<double>() == 0,
            "one message in a poison queue is enough to alert", criterion.ToJsonString());
        Rule.Holds(IsoMinutes(rule, "windowSize") <= 15, "the poison alert looks at most 15 minutes back (and so fires within 15 minutes)", rule["properties"]!["windowSize"]!.ToString());
    }

    [Fact]
    public void FailedExecutionsAlert_CountsFailedRequestsButNotClientErrors()
    {
        var rule = Alert(ScheduledQueryRule, "-failed-executions");
        var criterion = rule["properties"]!["criteria"]!["allOf"]![0]!;
        var query = (string)criterion["query"]!;
        var applicationInsightsId = (string)infra.OfType(ResourceTypes.ApplicationInsights).Single()["id"]!;

        Rule.Holds(ScopesOf(rule).SequenceEqual([applicationInsightsId]), "the failed-executions alert queries Application Insights", string.Join(", ", ScopesOf(rule)));
        Rule.Holds(query.StartsWith("requests", StringComparison.Ordinal) && query.Contains("success == false", StringComparison.Ordinal)
                && query.Contains("not(resultCode startswith \"4\")", StringComparison.Ordinal),
            "the failed-executions alert counts failed executions, leaving out 4xx answers", query);
        Rule.Holds(criterion["threshold"]?.GetValue<double>() == infra.Template["parameters"]!["failedExecutionsThreshold"]!["defaultValue"]!.GetValue<double>(),
            "the failed-executions threshold is the failedExecutionsThreshold parameter", criterion.ToJsonString());
    }

    [Fact]
    public void ThrottlingAlert_CountsThrottledTransactionsOfTheDataAccount()
    {
        var rule = Alert(MetricAlert, "-storage-throttling");
        var criterion = rule["properties"]!["criteria"]!["allOf"]![0]!;
        var responseTypes = criterion["dimensions"]!.AsArray().Single(d => (string?)d!["name"] == "ResponseType")!["values"]!.AsArray().Select(v => (string)v!);

        Rule.Holds(ScopesOf(rule).SequenceEqual([(string)infra.DataAccount["id"]!]), "the throttling alert watches the data account", string.Join(", ", ScopesOf(rule)));
        Rule.Holds((string?)criterion["metricName"] == "Transactions" && (string?)criterion["timeAggregation"] == "Total",
            "the throttling alert sums the data account's Transactions", criterion.ToJsonString());
        Rule.SameSet(["ServerBusyError", "ClientThrottlingError", "ClientAccountRequestThrottlingError", "ClientAccountBandwidthThrottlingError"], responseTypes,
            "the throttling alert counts the response types of 503 Server Busy and 429 answers");
        Rule.Holds(criterion["threshold"]?.GetValue<double>() == infra.Template["parameters"]!["throttledRequestsThreshold"]!["defaultValue"]!.GetValue<double>(),
            "the throttling threshold is the throttledRequestsThreshold parameter", criterion.ToJsonString());
    }

    [Fact]
    public void EveryAlert_NotifiesTheActionGroup()
    {
        var actionGroupId = (string)ActionGroupResource()["id"]!;
        var alerts = infra.OfType(ScheduledQueryRule).Concat(infra.OfType(MetricAlert)).ToList();

        Rule.Holds(alerts.Count == 3, "three alert rules: poison messages, failed executions, storage throttling", string.Join(", ", alerts.Select(a => a["name"])));
        foreach (var alert in alerts)
        {
            // Log alerts list action group ids; metric alerts list { actionGroupId }.
            var actions = alert["properties"]!["actions"];
            var groups = actions is JsonArray list
                ? list.Select(a => (string?)a!["actionGroupId"])
                : actions!["actionGroups"]!.AsArray().Select(a => (string?)a);
            Rule.Holds(groups.Contains(actionGroupId) && alert["properties"]?["enabled"]?.GetValue<bool>() == true,
                "every alert rule is enabled and notifies the action group", $"{alert["name"]}: {actions?.ToJsonString()}");
        }
    }

    private string WorkspaceId => (string)infra.OfType("Microsoft.OperationalInsights/workspaces").Single()["id"]!;

    private JsonObject ActionGroupResource() => infra.OfType(ActionGroup).Single();

    private JsonObject Alert(string type, string nameSuffix) =>
        infra.OfType(type).SingleOrDefault(r => ((string)r["name"]!).EndsWith(nameSuffix, StringComparison.Ordinal))
        ?? throw new Xunit.Sdk.XunitException($"Infra rule broken: an alert rule named *{nameSuffix} ({type}) exists");

    private static IEnumerable<string> ScopesOf(JsonObject rule) => rule["properties"]!["scopes"]!.AsArray().Select(s => (string)s!);

    private static int IsoMinutes(JsonObject rule, string property) => (int)System.Xml.XmlConvert.ToTimeSpan((string)rule["properties"]![property]!).TotalMinutes;

    private JsonObject DiagnosticSettingOf(string resourceId)
    {
        var setting = infra.OfType(DiagnosticSettings)
            .SingleOrDefault(s => ((string)s["id"]!).StartsWith(resourceId + "/providers/Microsoft.Insights/diagnosticSettings/", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"Infra rule broken: {resourceId[(resourceId.IndexOf("/providers/", StringComparison.Ordinal) + 1)..]} has a diagnostic setting");
        Rule.Holds((string?)setting["properties"]?["workspaceId"] == WorkspaceId, "diagnostic settings send to the deployment's Log Analytics workspace",
            setting["properties"]?["workspaceId"]?.ToString() ?? "(no workspaceId)");
        return setting;
    }

    private static IEnumerable<string> EnabledCategories(JsonObject setting, string kind) =>
        (setting["properties"]?[kind]?.AsArray() ?? [])
            .Where(c => c!["enabled"]?.GetValue<bool>() == true)
            .Select(c => (string?)c!["category"] ?? $"group:{c!["categoryGroup"]}");
}

using System.Globalization;
using System.Text.Json;

namespace Backazon.Infra.Tests;

/// <summary>infra/cost/cost.sh prints the table of infra/cost-model.md: every case, numbers that
/// add up, the same table as the document shows, and prices that say where they come from.</summary>
[Collection(InfraCollection.Name)]
public sealed class CostModelTests(InfraFixture infra)
{
    private static readonly string[] Cases =
    [
        "first backup month (1 TB)",
        "unchanged daily backups",
        "1 GB/day new, 30 days history",
        "1 GB/day new, 1 year history",
        "1 GB/day new, for ever, year 3",
        "3 GB/day new, 30 days history",
        "3 GB/day new, 1 year history",
        "3 GB/day new, for ever, year 3",
        "10 GB/day new, 30 days history",
        "10 GB/day new, 1 year history",
        "10 GB/day new, for ever, year 3",
        "  3 GB/day, 30 days, all hot",
        "  3 GB/day, 30 days, account cold",
        "  same, uploads hot until checked",
        "  same, 1 year history",
        "  3 GB/day, 1 year, all hot",
        "  3 GB/day, 30 days, no big files",
        "  3 GB/day, 1 year, no big files",
    ];

    // Columns after the case: hot TB, cold TB, storage, requests, compute, logs, early deletion,
    // LRS total, ZRS total, B2.
    private const int Storage = 2, EarlyDeletion = 6, Lrs = 7, Zrs = 8;

    [Fact]
    public void CostScript_PrintsEveryCase_WithColumnsThatAddUp()
    {
        var rows = Rows(Run());

        Rule.SameSet(Cases, rows.Keys, "cost.sh prints one row per case of infra/cost-model.md");
        foreach (var (name, values) in rows)
        {
            var parts = values[Storage..(EarlyDeletion + 1)].Sum();
            Rule.Holds(Math.Abs(parts - values[Lrs]) <= 0.011, $"the LRS total of '{name.Trim()}' is the sum of its columns", string.Join(" ", values));
            Rule.Holds(values.All(v => v >= 0), $"no negative cost in '{name.Trim()}'", string.Join(" ", values));
            Rule.Holds(values[Zrs] > values[Lrs], $"ZRS costs more than LRS in '{name.Trim()}'", string.Join(" ", values));
        }

        Rule.Holds(rows["3 GB/day new, 30 days history"][Lrs] < rows["  3 GB/day, 30 days, all hot"][Lrs],
            "content in cold after its check costs less than keeping it hot (30 days)", $"{rows["3 GB/day new, 30 days history"][Lrs]} vs {rows["  3 GB/day, 30 days, all hot"][Lrs]}");
        Rule.Holds(rows["3 GB/day new, 1 year history"][Lrs] < rows["  3 GB/day, 1 year, all hot"][Lrs],
            "content in cold after its check costs less than keeping it hot (a year)", $"{rows["3 GB/day new, 1 year history"][Lrs]} vs {rows["  3 GB/day, 1 year, all hot"][Lrs]}");
        Rule.Holds(rows["  same, uploads hot until checked"][Lrs] < rows["  3 GB/day, 30 days, account cold"][Lrs],
            "checking content while hot costs less than checking it in cold", $"{rows["  same, uploads hot until checked"][Lrs]} vs {rows["  3 GB/day, 30 days, account cold"][Lrs]}");
        Rule.Holds(rows["3 GB/day new, 1 year history"][EarlyDeletion] == 0,
            "a year of history pays no early deletion", string.Join(" ", rows["3 GB/day new, 1 year history"]));
    }

    [Fact]
    public void CostModelDocument_ShowsWhatTheScriptPrints()
    {
        var document = File.ReadAllText(Path.Combine(infra.RepoRoot, "infra", "cost-model.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        var start = document.IndexOf("```text\n", document.IndexOf("<!-- cost.sh", StringComparison.Ordinal), StringComparison.Ordinal) + "```text\n".Length;
        var shown = document[start..document.IndexOf("```\n<!-- /cost.sh -->", start, StringComparison.Ordinal)];

        Rule.Holds(shown == Run(), "infra/cost-model.md shows the table bash infra/cost/cost.sh prints now (paste it again after changing a price or a count)",
            $"document:\n{shown}\nscript:\n{Run()}");
    }

    [Fact]
    public void Prices_AreRetailPricesApiItems_EachWithItsSource()
    {
        using var prices = JsonDocument.Parse(File.ReadAllText(Path.Combine(infra.RepoRoot, "infra", "cost", "prices.json")));
        var sources = prices.RootElement.GetProperty("x-sources").EnumerateObject().Select(s => s.Name).ToHashSet();
        var items = prices.RootElement.GetProperty("Items").EnumerateArray().ToList();

        Rule.Holds(items.Count > 0, "prices.json lists prices", "no Items");
        foreach (var item in items)
        {
            var meter = item.TryGetProperty("meterName", out var m) ? m.GetString() : "(no meterName)";
            foreach (var field in new[] { "armRegionName", "productName", "skuName", "meterName", "unitOfMeasure", "currencyCode", "effectiveStartDate", "retailPrice" })
            {
                Rule.Holds(item.TryGetProperty(field, out _), $"every price has the Retail Prices API's field {field}", meter!);
            }

            Rule.Holds(item.GetProperty("retailPrice").GetDouble() > 0, "every price is positive", meter!);
            Rule.Holds(sources.Contains(item.GetProperty("x-source").GetString()!), "every price names a source listed in x-sources", meter!);
        }

        foreach (var redundancy in new[] { "LRS", "ZRS" })
        {
            foreach (var tier in new[] { "Hot", "Cold" })
            {
                Rule.Holds(items.Any(i => i.GetProperty("meterName").GetString() == $"{tier} {redundancy} Data Stored" && i.GetProperty("armRegionName").GetString() == "eastus"),
                    "East US is priced per tier and redundancy", $"{tier} {redundancy}");
            }
        }
    }

    /// <summary>Case name to its ten numbers (hot, cold TB, then the dollar columns).</summary>
    private static Dictionary<string, double[]> Rows(string output) => output.Split('\n')
        .Where(line => Cases.Any(c => line.StartsWith(c, StringComparison.Ordinal)))
        .ToDictionary(
            line => Cases.Where(c => line.StartsWith(c, StringComparison.Ordinal)).MaxBy(c => c.Length)!,
            line => line[Cases.Where(c => line.StartsWith(c, StringComparison.Ordinal)).Max(c => c.Length)..]
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Take(10)
                .Select(v => double.Parse(v, CultureInfo.InvariantCulture))
                .ToArray());

    private string Run()
    {
        var (exitCode, output, errors) = infra.RunBash("infra/cost/cost.sh");
        Rule.Holds(exitCode == 0, "bash infra/cost/cost.sh runs", errors);
        return output;
    }
}

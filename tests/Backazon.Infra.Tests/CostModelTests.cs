using System.Globalization;

namespace Backazon.Infra.Tests;

/// <summary>infra/cost/cost.sh prints the table of infra/cost-model.md: every case, numbers that
/// add up, and the same table as the document shows.</summary>
[Collection(InfraCollection.Name)]
public sealed class CostModelTests(InfraFixture infra)
{
    private static readonly string[] Cases =
    [
        "first backup month (1 TB, 100k)",
        "unchanged daily backups",
        "1%/day changed, 30 days history",
        "1%/day changed, 1 year history",
        "  same, tiering off",
        "1%/day changed, forever, year 1",
        "1%/day changed, forever, year 3",
    ];

    [Fact]
    public void CostScript_PrintsEveryCase_WithColumnsThatAddUp()
    {
        var rows = Rows(Run());

        Rule.SameSet(Cases, rows.Keys, "cost.sh prints one row per case of infra/cost-model.md");
        foreach (var (name, values) in rows)
        {
            // storage, requests, compute, logs, early deletion, total
            var parts = values[3..8].Sum();
            Rule.Holds(Math.Abs(parts - values[8]) <= 0.011, $"the total of '{name.Trim()}' is the sum of its columns", string.Join(" ", values));
            Rule.Holds(values.All(v => v >= 0), $"no negative cost in '{name.Trim()}'", string.Join(" ", values));
        }

        Rule.Holds(rows["1%/day changed, 1 year history"][8] < rows["  same, tiering off"][8],
            "tiering old content costs less than keeping it hot", $"{rows["1%/day changed, 1 year history"][8]} vs {rows["  same, tiering off"][8]}");
        Rule.Holds(rows.Values.All(v => v[7] == 0), "the default rule pays no early deletion charge in any case", string.Join(", ", rows.Select(r => $"{r.Key.Trim()}: {r.Value[7]}")));
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

    /// <summary>Case name to its nine numbers (hot, cool, cold TB, then the dollar columns).</summary>
    private static Dictionary<string, double[]> Rows(string output) => output.Split('\n')
        .Where(line => Cases.Any(c => line.StartsWith(c, StringComparison.Ordinal)))
        .ToDictionary(
            line => Cases.Where(c => line.StartsWith(c, StringComparison.Ordinal)).MaxBy(c => c.Length)!,
            line => line[Cases.Where(c => line.StartsWith(c, StringComparison.Ordinal)).Max(c => c.Length)..]
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Take(9)
                .Select(v => double.Parse(v, CultureInfo.InvariantCulture))
                .ToArray());

    private string Run()
    {
        var (exitCode, output, errors) = infra.RunBash("infra/cost/cost.sh");
        Rule.Holds(exitCode == 0, "bash infra/cost/cost.sh runs", errors);
        return output;
    }
}

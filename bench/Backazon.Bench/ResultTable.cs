using System.Globalization;
using System.Text;

namespace Backazon.Bench;

/// <summary>The results as Markdown: one row per step and tool, then Backazon's ratios to each peer.</summary>
public static class ResultTable
{
    public static string Render(IReadOnlyList<StepResult> results, string machine)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {machine}");
        text.AppendLine();
        text.AppendLine("| step | tool | time | MB/s | files/s | peak RSS | client CPU | sent | received | requests | backend requests | backend traffic | server CPU (backend · Azurite) | note |");
        text.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var r in results)
        {
            var backend = r.Backend.Requests == 0 ? "- | -" : Invariant($"{r.Backend.Requests:N0} | {Megabytes(r.Backend.BytesSent + r.Backend.BytesReceived)}");
            text.AppendLine(Invariant(
                $"| {r.Step} | {r.Tool} | {r.Seconds:F1} s | {r.MegabytesPerSecond:F1} | {r.FilesPerSecond:F0} | {r.Run.PeakBytes / 1e6:F0} MB | {r.Run.Cpu.TotalSeconds:F1} s | {Megabytes(r.SentBytes)} | {Megabytes(r.ReceivedBytes)} | {(r.Requests is { } n ? n.ToString("N0", CultureInfo.InvariantCulture) : "-")} | {backend} | {r.ServerCpu.Backend.TotalSeconds:F1} s · {r.ServerCpu.Azurite.TotalSeconds:F1} s | {r.Note} |"));
        }

        // Peers: every tool but ours and the unproxied reference run (nothing measured to compare).
        var peers = results.Select(r => r.Tool).Distinct()
            .Where(t => t != "Backazon" && results.Any(r => r.Tool == t && r.SentBytes is not null)).ToList();
        text.AppendLine();
        text.AppendLine("Backazon / peer: time · bytes sent (received, for the restore) · requests · peak RSS; below 1 means Backazon uses less.");
        text.AppendLine();
        text.AppendLine("| step | " + string.Join(" | ", peers) + " |");
        text.AppendLine("| --- |" + string.Concat(peers.Select(_ => " --- |")));
        foreach (var step in results.Select(r => r.Step).Distinct())
        {
            var ours = results.FirstOrDefault(r => r.Step == step && r.Tool == "Backazon");
            if (ours is null)
            {
                continue;
            }

            var cells = peers.Select(peer => results.FirstOrDefault(r => r.Step == step && r.Tool == peer) is { } theirs
                ? Invariant($"{Ratio(ours.Seconds, theirs.Seconds)} · {Ratio(ours.Transferred, theirs.Transferred)} · {Ratio(ours.Requests, theirs.Requests)} · {Ratio(ours.Run.PeakBytes, theirs.Run.PeakBytes)}")
                : "-");
            text.AppendLine($"| {step} | {string.Join(" | ", cells)} |");
        }

        return text.ToString();
    }

    private static string Megabytes(long? bytes) =>
        bytes is null ? "-" : bytes < 10_000_000 ? Invariant($"{bytes / 1e3:F0} kB") : Invariant($"{bytes / 1e6:F0} MB");

    private static string Ratio(double? ours, double? theirs) =>
        ours is null || theirs is null || theirs == 0 ? "-" : Invariant($"{ours / theirs:F2}×");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

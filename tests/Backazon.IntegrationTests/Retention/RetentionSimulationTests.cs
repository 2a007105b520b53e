using System.Diagnostics;
using System.Text;
using Backazon.Backend.Accounts;
using Backazon.Backend.Catalog;
using Backazon.Backend.Nightly;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Backazon.IntegrationTests.Retention;

[Collection(BackendCollection.Name)]
public sealed class RetentionSimulationTests(BackendFixture backend, ITestOutputHelper output)
{
    private const int Days = 400;
    private const int HistoryDays = 30;
    private const int DeletedDays = 14;

    // Daily, as the timer does: a day's sweep costs what came due that day.
    private const int SweepEveryDays = 1;

    private sealed record Version(DateTimeOffset At, byte[]? Bytes);

    [Fact]
    public async Task Simulation_400DaysOfDailyBackups_KeepExactlyThePromisedHistory()
    {
        var watch = Stopwatch.StartNew();
        using var sim = RetentionHarness.Create(backend, new() { ["Lifecycle:ContentReleaseDelayHours"] = "1" });
        var device = await sim.NewDeviceAsync();
        var random = new Random(6);
        var model = new Dictionary<string, List<Version>>(StringComparer.Ordinal); // every version ever, oldest first
        string[] names = ["docs/report.txt", "docs/notes.md", "docs/old/archive.txt", "photos/a.jpg", "photos/b.jpg", "photos/2025/c.jpg", "todo.txt", "config/settings.json"];
        var live = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var restoredChecks = 0;
        var backupTime = TimeSpan.Zero;

        for (var day = 0; day < Days; day++)
        {
            var changes = new Dictionary<string, byte[]?>(StringComparer.Ordinal);
            if (day == 0)
            {
                foreach (var name in names)
                {
                    changes[name] = Content(name, 0);
                }
            }
            else
            {
                // Edits most days; a deletion every 9 days; a deleted file comes back (with old
                // content, as a restore would) some days later; now and then a brand-new file.
                foreach (var name in live.Keys.Where(_ => random.NextDouble() < 0.25).ToList())
                {
                    var older = model[name].Where(v => v.Bytes is not null).ToList();
                    changes[name] = random.NextDouble() < 0.2 ? older[random.Next(older.Count)].Bytes! : Content(name, day);
                }

                if (day % 9 == 0 && live.Count > 3)
                {
                    changes[live.Keys.OrderBy(k => k, StringComparer.Ordinal).ElementAt(day / 9 % live.Count)] = null;
                }

                foreach (var gone in model.Where(m => m.Value[^1].Bytes is null && (sim.Clock.GetUtcNow() - m.Value[^1].At).TotalDays is 10 or 20).Select(m => m.Key))
                {
                    changes[gone] = model[gone].Last(v => v.Bytes is not null).Bytes;
                }

                if (day % 37 == 0)
                {
                    changes[$"new/file-{day}.txt"] = Content("new", day);
                }
            }

            if (changes.Count > 0)
            {
                var t0 = watch.Elapsed;
                await sim.BackupAsync(device, changes);
                backupTime += watch.Elapsed - t0;
                foreach (var (path, bytes) in changes)
                {
                    (model.TryGetValue(path, out var versions) ? versions : model[path] = []).Add(new Version(sim.Clock.GetUtcNow(), bytes));
                    if (bytes is null)
                    {
                        live.Remove(path);
                    }
                    else
                    {
                        live[path] = bytes;
                    }
                }
            }

            await sim.DrainAsync();
            if (day % SweepEveryDays == 0)
            {
                await sim.SweepAsync(device.AccountId);
            }

            if (day % 50 == 49)
            {
                // Restore as of moments inside the history: exactly what was there then.
                foreach (var daysAgo in new[] { 0, 7, HistoryDays - 1 })
                {
                    await AssertTreeAsOfAsync(sim, device, model, sim.Clock.GetUtcNow().AddDays(-daysAgo).AddMinutes(1));
                    restoredChecks++;
                }
            }

            sim.Clock.Advance(TimeSpan.FromDays(1));
        }

        // Let the last removals' content pass its release delay.
        await sim.SweepAsync(device.AccountId);
        sim.Clock.Advance(TimeSpan.FromHours(2));
        await sim.SweepAsync(device.AccountId);
        var now = sim.Clock.GetUtcNow();

        // Exactly the versions the plan promises, computed here without RetentionPolicy.
        var expected = new HashSet<(string, string, DateTimeOffset, string?)>();
        foreach (var (path, versions) in model)
        {
            var newestFirst = versions.AsEnumerable().Reverse().ToList();
            var deleted = newestFirst[0].Bytes is null;
            if (deleted && now - newestFirst[0].At >= TimeSpan.FromDays(DeletedDays))
            {
                continue;
            }

            for (var i = 0; i < newestFirst.Count; i++)
            {
                var keep = i == 0
                    || (deleted && i == 1)
                    || now - newestFirst[i - 1].At < TimeSpan.FromDays(HistoryDays);
                if (keep)
                {
                    var v = newestFirst[i];
                    expected.Add((path, v.Bytes is null ? EntryKinds.Deleted : EntryKinds.File, v.At, v.Bytes is null ? null : RetentionHarness.Sha256(v.Bytes)));
                }
            }
        }

        var remaining = await sim.VersionsAsync(device.AccountId);
        Assert.Equal(remaining.Count, remaining.ToHashSet().Count);
        var missing = expected.Except(remaining).ToList();
        var extra = remaining.Except(expected).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"missing: {string.Join("; ", missing.Take(5))} extra: {string.Join("; ", extra.Take(5))}");
        Assert.True(model.Values.Sum(v => v.Count) > remaining.Count * 3, "the simulation made retention remove most versions");

        // Usage is the referenced content; the blobs are exactly that content.
        var referenced = remaining.Where(r => r.Hash is not null).Select(r => r.Hash!).ToHashSet();
        var sizes = model.Values.SelectMany(v => v).Where(v => v.Bytes is not null).DistinctBy(v => RetentionHarness.Sha256(v.Bytes!))
            .ToDictionary(v => RetentionHarness.Sha256(v.Bytes!), v => (long)v.Bytes!.Length);
        var account = await sim.Get<AccountStore>().GetAccountAsync(device.AccountId);
        Assert.Equal(referenced.Sum(h => sizes[h]), account.UsedBytes);
        Assert.Equal(0, account.ReservedBytes);
        var rows = await sim.ContentRowsAsync(device.AccountId);
        var blobs = await sim.ContentBlobsAsync(device.AccountId);
        Assert.Equal(referenced.Order(), rows.Keys.Order());
        Assert.Equal(referenced.ToDictionary(h => h, h => sizes[h]).OrderBy(p => p.Key), blobs.OrderBy(p => p.Key));
        var recount = await sim.Get<UsageRecounter>().RecountAsync(device.AccountId);
        Assert.True(recount.Consistent, recount.ToString());
        Assert.Equal(3 * (Days / 50), restoredChecks);
        // Its time is printed, not asserted: it depends on what else the machine runs (timings
        // are the benchmarks' business).
        output.WriteLine($"400 days: {watch.Elapsed} (backups {backupTime}), {model.Values.Sum(v => v.Count)} versions made, {remaining.Count} kept");
    }

    private static async Task AssertTreeAsOfAsync(RetentionHarness sim, Backend.Security.DeviceCaller device, Dictionary<string, List<Version>> model, DateTimeOffset asOf)
    {
        var now = sim.Clock.GetUtcNow();
        var expected = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, versions) in model)
        {
            var latest = versions[^1];
            if (latest.Bytes is null && now - latest.At >= TimeSpan.FromDays(DeletedDays))
            {
                continue; // deleted long enough ago to be gone, as the plan says
            }

            var then = versions.LastOrDefault(v => v.At <= asOf);
            if (then?.Bytes is not null)
            {
                expected[path] = RetentionHarness.Sha256(then.Bytes);
            }
        }

        var actual = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in await sim.Get<CatalogWalk>().AllAsync(new CatalogWalkScope(device.AccountId, device.DeviceId, "", asOf, Recursive: true, IncludeFolders: false, IncludeDeleted: false)))
        {
            actual[item.Path] = item.Hash!;
        }

        Assert.Equal(expected, actual);
    }

    private static byte[] Content(string name, int day) => Encoding.UTF8.GetBytes($"{name} as of day {day}: {new string('x', day % 50)}");
}

using System.IO.Compression;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Backazon.Backend.Content;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.IntegrationTests.Web.Pages;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Backazon.IntegrationTests.Web;

/// <summary>
/// A selection downloaded as one ZIP the page assembles in the browser from the signed links,
/// every file checked there: a folder of more than a thousand files (non-ASCII names, sub-folders)
/// and a 100 MB file (chunked, so checked by its chunk-list identity), compared entry by entry
/// with the tree that was backed up.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class ZipDownloadTests(WebFixture web) : IDisposable
{
    private readonly string _tree = Directory.CreateTempSubdirectory("backazon-zip-").FullName;
    private SignInFixture Backend => web.Backend;

    [Fact]
    public async Task Selection_DownloadsAsOneZip_WithEveryEntrysNameAndBytes()
    {
        var (account, user) = await WebMembers.NewAsync(Backend, "Zip family");
        using var laptop = await CliHarness.EnrollAsync(Backend, account.Id);
        var photos = Directory.CreateDirectory(Path.Combine(_tree, "Fotos 2026")).FullName;
        var names = new[] { "Grüße", "日本の写真", "émoji-🙂", "plain", "Ærø" };
        var random = new Random(25);
        for (var i = 0; i < 1000; i++)
        {
            var album = Directory.CreateDirectory(Path.Combine(photos, names[i % names.Length] + "-" + (i % 10))).FullName;
            var bytes = new byte[random.Next(0, 3000)];
            random.NextBytes(bytes);
            await File.WriteAllBytesAsync(Path.Combine(album, $"{names[(i / 10) % names.Length]} {i:0000}.bin"), bytes);
        }

        var big = new byte[100_000_000];
        random.NextBytes(big);
        await File.WriteAllBytesAsync(Path.Combine(_tree, "film.mov"), big);
        await File.WriteAllTextAsync(Path.Combine(_tree, "left alone.txt"), "not selected");
        Assert.Equal(0, (await laptop.RunAsync("backup", _tree)).Code);
        await WaitCatalogedAsync(laptop, 1002);

        var page = await web.NewPageAsync();
        await AccountScreen.SignInAsync(page, web.PageAddress, user, "pw-" + user, "Zip family");
        var folder = await BrowseScreen.OpenAsync(page, web.PageAddress, laptop.Device.DeviceId, _tree.TrimStart('/'));
        await folder.SelectAsync("Fotos 2026");
        await folder.SelectAsync("film.mov");
        await Expect(page.GetByText("2 selected.")).ToBeVisibleAsync();

        var download = await page.RunAndWaitForDownloadAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Download selected as ZIP" }).ClickAsync(),
            new() { Timeout = 300_000 });
        Assert.Equal(Path.GetFileName(_tree) + ".zip", download.SuggestedFilename);
        var saved = await download.PathAsync();
        await Screenshots.SaveAsync(page, "zip-download");
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasTextString = "done, 1,001 files" })).ToBeVisibleAsync(new() { Timeout = 60_000 });

        using var zip = ZipFile.OpenRead(saved!);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(WebFixture.TimeZone);
        var entries = zip.Entries.Where(e => !e.FullName.EndsWith('/')).ToDictionary(e => e.FullName);
        var expected = Directory.EnumerateFiles(_tree, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(_tree, f)).Where(f => f != "left alone.txt").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(1001, expected.Count);
        Assert.Equal(expected, entries.Keys.Order(StringComparer.Ordinal).ToList());
        foreach (var name in expected)
        {
            var unzipped = await ReadAsync(entries[name]);
            Assert.True((await File.ReadAllBytesAsync(Path.Combine(_tree, name))).AsSpan().SequenceEqual(unzipped), $"{name} differs");
            // A ZIP keeps the wall-clock time where it was made (the browser's zone), to two seconds.
            Assert.Equal(TimeZoneInfo.ConvertTimeFromUtc(File.GetLastWriteTimeUtc(Path.Combine(_tree, name)), zone), entries[name].LastWriteTime.DateTime, TimeSpan.FromSeconds(2));
        }
    }

    [Fact]
    public async Task Zip_ResumesABrokenConnectionWithARange_AndLeavesOutADamagedFile_NamingIt()
    {
        var (account, user) = await WebMembers.NewAsync(Backend, "Zip faults");
        using var laptop = await CliHarness.EnrollAsync(Backend, account.Id);
        var big = RandomNumberGenerator.GetBytes(20_000_000); // chunked: checked by its chunk-list identity
        await File.WriteAllBytesAsync(Path.Combine(_tree, "video.mp4"), big);
        var second = RandomNumberGenerator.GetBytes(17_000_000); // downloading ahead while the first is written
        await File.WriteAllBytesAsync(Path.Combine(_tree, "zoom.mp4"), second);
        await File.WriteAllTextAsync(Path.Combine(_tree, "good.txt"), "kept safe");
        var damaged = "these bytes will be damaged in storage"u8.ToArray();
        await File.WriteAllBytesAsync(Path.Combine(_tree, "damaged.txt"), damaged);
        Assert.Equal(0, (await laptop.RunAsync("backup", _tree)).Code);
        await WaitCatalogedAsync(laptop, 4);
        var tampered = damaged.ToArray();
        tampered[0] ^= 0xff;
        await new ContentBlobs(Backend.Storage).Blob(account.Id, Convert.ToHexStringLower(SHA256.HashData(damaged)))
            .UploadAsync(new BinaryData(tampered), overwrite: true);

        var page = await web.NewPageAsync();
        // Storage's first answer for the big file breaks off halfway (it promised all of it).
        var ranges = new List<string>();
        var broken = false;
        await page.RouteAsync(new Uri(Backend.Storage.Blobs.Uri, "/").ToString() + "**", async route =>
        {
            if (route.Request.Headers.TryGetValue("range", out var range))
            {
                ranges.Add(range);
            }

            var response = await route.FetchAsync();
            var body = await response.BodyAsync();
            if (!broken && body.Length == big.Length)
            {
                broken = true;
                await route.FulfillAsync(new() { Status = response.Status, Headers = response.Headers, BodyBytes = body[..(big.Length / 2)] });
                return;
            }

            await route.FulfillAsync(new() { Response = response });
        });
        await AccountScreen.SignInAsync(page, web.PageAddress, user, "pw-" + user, "Zip faults");
        var folder = await BrowseScreen.OpenAsync(page, web.PageAddress, laptop.Device.DeviceId, _tree.TrimStart('/'));
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Select all shown" }).CheckAsync();
        var download = await page.RunAndWaitForDownloadAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Download selected as ZIP" }).ClickAsync(), new() { Timeout = 120_000 });
        var saved = await download.PathAsync();

        await Expect(folder.Alert).ToContainTextAsync("damaged.txt was not saved: its bytes do not match the backup's check");
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasTextString = "1 of 4 files was left out" })).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "zip-damaged");
        Assert.True(broken);

        // On a phone's width the selection tools wrap and stay reachable, by keyboard too.
        await page.SetViewportSizeAsync(390, 844);
        var none = page.GetByRole(AriaRole.Checkbox, new() { Name = "Select all shown" });
        await none.FocusAsync();
        await page.Keyboard.PressAsync("Space");
        await Expect(page.GetByText("Nothing selected.")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Download selected as ZIP" })).ToBeInViewportAsync();
        await Screenshots.SaveAsync(page, "browse-phone");
        Assert.Contains($"bytes={big.Length / 2}-", ranges); // resumed where it stopped, not from the start
        using var zip = ZipFile.OpenRead(saved!);
        Assert.Equal(["NOT-RESTORED.txt", "good.txt", "video.mp4", "zoom.mp4"], zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        Assert.Equal(big, await ReadAsync(zip.GetEntry("video.mp4")!));
        Assert.Equal(second, await ReadAsync(zip.GetEntry("zoom.mp4")!));
        Assert.Equal("kept safe"u8.ToArray(), await ReadAsync(zip.GetEntry("good.txt")!));
        Assert.Contains("damaged.txt", System.Text.Encoding.UTF8.GetString(await ReadAsync(zip.GetEntry("NOT-RESTORED.txt")!)));
    }

    [Fact]
    public async Task Zip_OfABigFileWhoseChunkComesBackChanged_StopsWithTheReason()
    {
        var (account, user) = await WebMembers.NewAsync(Backend, "Zip chunks");
        using var laptop = await CliHarness.EnrollAsync(Backend, account.Id);
        var big = RandomNumberGenerator.GetBytes(20_000_000); // chunked: checked chunk by chunk against its list
        await File.WriteAllBytesAsync(Path.Combine(_tree, "video.mp4"), big);
        Assert.Equal(0, (await laptop.RunAsync("backup", _tree)).Code);
        await WaitCatalogedAsync(laptop, 1);

        var page = await web.NewPageAsync();
        var lists = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("/api/me/contents/", StringComparison.Ordinal))
            {
                lists.Add(request.Url);
            }
        };
        // Storage hands back the big file with one byte changed in its last chunk (the same size:
        // only a check of the bytes can tell).
        await page.RouteAsync(new Uri(Backend.Storage.Blobs.Uri, "/").ToString() + "**", async route =>
        {
            var response = await route.FetchAsync();
            var body = await response.BodyAsync();
            if (body.Length == big.Length)
            {
                body[^10] ^= 0xff;
            }

            await route.FulfillAsync(new() { Status = response.Status, Headers = response.Headers, BodyBytes = body });
        });
        await AccountScreen.SignInAsync(page, web.PageAddress, user, "pw-" + user, "Zip chunks");
        var folder = await BrowseScreen.OpenAsync(page, web.PageAddress, laptop.Device.DeviceId, _tree.TrimStart('/'));
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Select all shown" }).CheckAsync();
        var download = await page.RunAndWaitForDownloadAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Download selected as ZIP" }).ClickAsync(), new() { Timeout = 120_000 });

        await Expect(folder.Alert).ToContainTextAsync("video.mp4 was not saved: its bytes do not match the backup's check", new() { Timeout = 60_000 });
        Assert.NotNull(await download.FailureAsync()); // the ZIP stopped: no silent bad copy
        Assert.Single(lists); // checked against the content's chunk list, not by cutting the bytes again
    }

    private static async Task<byte[]> ReadAsync(ZipArchiveEntry entry)
    {
        using var content = entry.Open();
        using var copy = new MemoryStream();
        await content.CopyToAsync(copy);
        return copy.ToArray();
    }

    /// <summary>Cataloging runs from a queue after the backup: wait until all files are listed.</summary>
    private async Task WaitCatalogedAsync(CliHarness laptop, int files)
    {
        using var device = Backend.Client(laptop.Device.Token);
        await Eventually.HoldsAsync(async () =>
        {
            var count = 0;
            string? continuation = null;
            do
            {
                var query = $"catalog/list?recursive=true&path={Uri.EscapeDataString(_tree.TrimStart('/'))}" + (continuation is null ? "" : $"&continuation={Uri.EscapeDataString(continuation)}");
                var page = await device.GetFromJsonAsync<CatalogPage>(query, Api.Json);
                count += page!.Items.Count(i => i.Kind == "file");
                continuation = page.Continuation;
            }
            while (continuation is not null);
            return count == files;
        }, $"{files} files are cataloged", timeoutSeconds: 120);
    }

    public void Dispose() => Directory.Delete(_tree, recursive: true);
}

using Microsoft.Playwright;

namespace Backazon.IntegrationTests.Web.Pages;

/// <summary>Screenshots of the main screens, kept as test artifacts in artifacts/screenshots.</summary>
public static class Screenshots
{
    public static Task SaveAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Folder, name + ".png"), FullPage = true });

    private static string Folder
    {
        get
        {
            // artifacts/bin/<project>/<configuration>/ → artifacts/screenshots
            var artifacts = new DirectoryInfo(AppContext.BaseDirectory);
            while (artifacts is not null && artifacts.Name != "artifacts")
            {
                artifacts = artifacts.Parent;
            }

            var folder = Path.Combine(artifacts?.FullName ?? Path.GetTempPath(), "screenshots");
            Directory.CreateDirectory(folder);
            return folder;
        }
    }
}

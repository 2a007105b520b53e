using Backazon.Uploader.Scanning;
using Backazon.Uploader.Uploading;

namespace Backazon.UnitTests.Uploader;

public sealed class BackupOptionsTests
{
    [Fact]
    public void PatternsFor_ExcludedFolderUnderTheRoot_BecomesARelativeFolderPattern()
    {
        var options = new BackupOptions { Exclusions = ["**/*.iso"], ExcludedFolders = ["/home/ada/.config/backazon", "/var/other"] };

        var patterns = options.PatternsFor("/home/ada").ToList();

        Assert.Equal(["**/*.iso", ".config/backazon/**"], patterns);
        var rules = new ExclusionRules(patterns);
        Assert.True(rules.IsExcluded(".config/backazon/device.json", isDirectory: false));
        Assert.False(rules.IsExcluded(".config/other/settings.json", isDirectory: false));
    }

    [Fact]
    public void PatternsFor_ExcludedFolderOutsideTheRoot_AddsNothing()
    {
        var options = new BackupOptions { ExcludedFolders = ["/home/ada/.config/backazon"] };
        Assert.Empty(options.PatternsFor("/home/ada/Documents"));
    }
}

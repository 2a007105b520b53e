using Backazon.Uploader.Cli;
using Backazon.Uploader.Commands;
using Backazon.Uploader.Configuration;

namespace Backazon.UnitTests.Uploader.Agent;

public sealed class DurationAndRateTests
{
    [Theory]
    [InlineData("45s", 45)]
    [InlineData("30m", 30 * 60)]
    [InlineData("6h", 6 * 3600)]
    [InlineData("1d", 86400)]
    [InlineData("2w", 14 * 86400)]
    [InlineData("01:30:00", 5400)]
    public void Duration_AsAPersonTypesIt(string text, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), Duration.Parse(text, "--interval"));

    [Theory]
    [InlineData("soon")]
    [InlineData("0s")]
    [InlineData("-1h")]
    [InlineData("5 years")]
    public void Duration_Nonsense_IsOneSentenceSayingHowToWriteIt(string text)
    {
        var e = Assert.Throws<CliException>(() => Duration.Parse(text, "--interval"));
        Assert.Equal($"--interval '{text}' is not a duration; write it like 30m, 6h or 1d.", e.Message);
    }

    [Theory]
    [InlineData("2MB", 2_000_000)]
    [InlineData("500KB/s", 500_000)]
    [InlineData("1.5 GB", 1_500_000_000)]
    [InlineData("4MiB", 4 * 1024 * 1024)]
    [InlineData("0", 0)]
    [InlineData("unlimited", 0)]
    public void UploadRate_AsAPersonTypesIt(string text, long bytesPerSecond) =>
        Assert.Equal(bytesPerSecond, UploadRate.Parse(text, "--max-upload-rate"));

    [Theory]
    [InlineData("fast")]
    [InlineData("10B")]
    public void UploadRate_Nonsense_IsOneSentence(string text) =>
        Assert.StartsWith($"--max-upload-rate '{text}' is not an upload rate", Assert.Throws<CliException>(() => UploadRate.Parse(text, "--max-upload-rate")).Message);

    [Fact]
    public void HomePath_TildeIsTheHomeFolder_AndShortensBack()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.Equal(Path.Combine(home, "Documents"), HomePath.Expand("~/Documents"));
        Assert.Equal(home, HomePath.Expand("~"));
        Assert.Equal("~" + Path.DirectorySeparatorChar + "Documents", HomePath.Shorten(Path.Combine(home, "Documents")));
        Assert.Equal(Path.GetFullPath("/elsewhere/x"), HomePath.Shorten("/elsewhere/x"));
    }

    [Fact]
    public void Settings_NoFolderList_MeansTheDefaults_AnEmptyListMeansNone()
    {
        Assert.Equal(DefaultFolders.Existing(), new BackupSettings(null, null).ResolvedFolders());
        Assert.Empty(new BackupSettings([], null).ResolvedFolders());
    }

    [Fact]
    public void DefaultFolders_AreDocumentsDesktopAndPictures_NeverTheHomeFolderItself()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var candidates = DefaultFolders.Candidates();
        Assert.Contains(candidates, c => Path.GetFileName(c) == "Documents");
        Assert.DoesNotContain(Path.GetFullPath(home), candidates.Select(Path.GetFullPath));
        Assert.All(DefaultFolders.Existing(), f => Assert.True(Directory.Exists(f)));
    }
}

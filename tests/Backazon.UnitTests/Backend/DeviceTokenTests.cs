using Backazon.Backend.Security;

namespace Backazon.UnitTests.Backend;

public sealed class DeviceTokenTests
{
    [Fact]
    public void TryParse_ItsOwnFormat_RoundTrips()
    {
        var token = new DeviceToken(Secrets.NewId(), Secrets.NewId(), Secrets.NewSecret());
        Assert.True(DeviceToken.TryParse(token.ToString(), out var parsed));
        Assert.Equal(token, parsed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("bkz1.a.b.c")]
    [InlineData("bkz2.0123456789abcdef01234567.0123456789abcdef01234567.abcdefghijklmnopqrstuvwxyz")]
    [InlineData("bkz1.0123456789ABCDEF01234567.0123456789abcdef01234567.abcdefghijklmnopqrstuvwxyz")]
    [InlineData("bkz1.0123456789abcdef01234567.0123456789abcdef01234567.short")]
    [InlineData("bkz1.0123456789abcdef01234567.0123456789abcdef01234567.abcdefghijklmnopqrstuvwxyz.extra")]
    public void TryParse_Malformed_IsRefused(string? value) => Assert.False(DeviceToken.TryParse(value, out _));

    [Fact]
    public void Matches_OnlyTheSecretWhoseHashIsStored()
    {
        var secret = Secrets.NewSecret();
        var hash = Secrets.Hash(secret);
        Assert.True(Secrets.Matches(secret, hash));
        Assert.True(Secrets.Matches(secret, hash.ToUpperInvariant()));
        Assert.False(Secrets.Matches(secret + "x", hash));
        Assert.False(Secrets.Matches(secret, null));
        Assert.NotEqual(secret, hash);
    }

    [Fact]
    public void NewSecret_Has256BitsAndDiffersEachTime()
    {
        var a = Secrets.NewSecret();
        Assert.Equal(43, a.Length); // 32 bytes, base64url without padding
        Assert.NotEqual(a, Secrets.NewSecret());
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Backazon.IntegrationTests.Infrastructure;

/// <summary>
/// The local backend with its local issuer (the stand-in for External ID) and a user per test
/// ("user1".."user20", password "pw-{name}"), since an identity joins one account only. Computers
/// poll every second, and the backend's clock can be moved ahead (<see cref="Clock"/>) to expire a
/// code that a CLI in another process waits on.
/// </summary>
public sealed class SignInFixture : BackendFixture
{
    public ShiftedClock Clock { get; } = new();

    protected override void Configure(WebApplicationBuilder builder)
    {
        // Every test of the collection links from 127.0.0.1: room for all of them under the
        // per-address limit (LinkRequestLimitTests goes past it from addresses of its own).
        var users = new Dictionary<string, string?> { ["CustomerSignIn:LinkPollSeconds"] = "1", ["CustomerSignIn:LinkRequestsPerAddress"] = "20" };
        for (var i = 1; i <= 20; i++)
        {
            users[$"LocalIssuer:Users:user{i}:Password"] = $"pw-user{i}";
            users[$"LocalIssuer:Users:user{i}:Email"] = $"user{i}@example.com";
        }

        builder.Configuration.AddInMemoryCollection(users);
        builder.Services.AddSingleton<TimeProvider>(Clock);
    }

    private int _nextUser;

    /// <summary>A test user nobody has signed in as yet.</summary>
    public string NewUser() => $"user{Interlocked.Increment(ref _nextUser)}";
}

/// <summary>The system clock, moved by <see cref="Offset"/> (which may go back to zero, unlike a
/// FakeTimeProvider's): the backend runs in real time except while a test looks ahead.</summary>
public sealed class ShiftedClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}

[CollectionDefinition(Name)]
public sealed class SignInCollection : ICollectionFixture<SignInFixture>
{
    public const string Name = "sign-in";
}

using System.Net;
using System.Net.Http.Json;
using Backazon.Backend.Customers;
using Backazon.Backend.Errors;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;
using Backazon.IntegrationTests.Retention;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Backazon.IntegrationTests.Customers;

/// <summary>The anonymous link request is bounded: per client address over real HTTP, and by the
/// codes open across the service (read from storage, so it holds on every instance).</summary>
[Collection(SignInCollection.Name)]
public sealed class LinkRequestLimitTests(SignInFixture backend)
{
    [Fact]
    public async Task OneAddress_PastItsLimit_Gets429WithRetryAfter_WhileOthersStillLink()
    {
        var limit = backend.App.Services.GetRequiredService<IOptions<CustomerSignInOptions>>().Value.LinkRequestsPerAddress;
        // The first entry is the client's to write; the last is what Azure's front end saw.
        using var busy = Computer("198.51.100.1, 203.0.113.7:51234");
        for (var i = 0; i < limit; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await Start(busy)).StatusCode);
        }

        var refused = await Start(busy);
        var problem = await Api.ProblemAsync(refused, HttpStatusCode.TooManyRequests);
        using var other = Computer("198.51.100.1, 203.0.113.8:51234");
        var otherResponse = await Start(other);

        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(60));
        Assert.Equal((long)retryAfter.Value.TotalSeconds, problem.GetProperty("retryAfterSeconds").GetInt64());
        Assert.Contains($"at most {limit} per 60 minutes", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, otherResponse.StatusCode);
    }

    [Fact]
    public async Task OpenCodes_AtTheCeiling_AreRefusedUntilTheOldestExpires()
    {
        // A year ahead, so only this test's codes are open at its time.
        using var sim = RetentionHarness.Create(backend, new() { ["CustomerSignIn:MaxOpenLinkCodes"] = "2" });
        sim.Clock.Advance(TimeSpan.FromDays(365));
        var links = sim.Get<DeviceLinkService>();
        var page = new Uri(backend.BaseAddress, "/api/web/#/link");
        await links.StartAsync(new DeviceLinkRequest("one", null), page);
        sim.Clock.Advance(TimeSpan.FromMinutes(2));
        await links.StartAsync(new DeviceLinkRequest("two", null), page);

        var full = await Assert.ThrowsAsync<BackazonException>(() => links.StartAsync(new DeviceLinkRequest("three", null), page));

        Assert.Equal(ProblemKind.TooManyRequests, full.Kind);
        Assert.Equal(DeviceLinkService.Lifetime - TimeSpan.FromMinutes(2), full.RetryAfter);
        sim.Clock.Advance(full.RetryAfter!.Value);
        Assert.NotNull(await links.StartAsync(new DeviceLinkRequest("three", null), page));
    }

    private HttpClient Computer(string forwardedFor)
    {
        var client = backend.Client();
        client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        return client;
    }

    private static Task<HttpResponseMessage> Start(HttpClient computer) =>
        computer.PostAsJsonAsync("devices/link", new DeviceLinkRequest("pc", "Plan 9"), Api.Json);
}

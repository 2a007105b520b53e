using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Backazon.IntegrationTests.Infrastructure;

namespace Backazon.IntegrationTests.Backups;

/// <summary>Hostile or broken requests get a 400 ProblemDetails naming the problem, and nothing
/// is reserved, stored or queued.</summary>
[Collection(BackendCollection.Name)]
public sealed class BadInputTests(BackendFixture backend)
{
    private static readonly string Hash = new('a', 64);

    public static TheoryData<string, string> BadGrantFiles => new()
    {
        { Grant("ok.txt", -1, Hash), "files[0].size" },
        { Grant("ok.txt", long.MaxValue, Hash), "files[0].size" },
        { Grant("ok.txt", 1, "not-a-hash"), "files[0].hash" },
        { Grant("ok.txt", 1, Hash.ToUpperInvariant()), "files[0].hash" },
        { Grant("ok.txt", 1, Hash[..63]), "files[0].hash" },
        { """{"files":[{"path":"ok.txt","size":"big","hash":"HASH"}]}""".Replace("HASH", Hash), "files[0].size" },
        { """{"files":[{"path":"ok.txt","size":"1","hash":"HASH"}]}""".Replace("HASH", Hash), "files[0].size" },
        { """{"files":[]}""", "files" },
        // Chunked sizes: the list must be there, add up, and hash to the declared identity.
        { Grant("big.img", Chunked, Hash), "files[0].chunks" },
        { Chunks("big.img", Chunked, Hash, """[{"hash":"HASH","length":10}]"""), "files[0].chunks" },
        { Chunks("big.img", Chunked, Hash, """[{"hash":"HASH","length":0}]"""), "files[0].chunks[0].length" },
        { Chunks("big.img", Chunked, Hash, """[{"hash":"nope","length":16777216}]"""), "files[0].chunks[0].hash" },
        { Chunks("big.img", Chunked, Hash, """[{"hash":"HASH","length":16777216}]"""), "files[0].hash" },
        { Chunks("small.txt", 10, Hash, """[{"hash":"HASH","length":10}]"""), "files[0].chunks" },
        { """{"files":[{"path":"ok.txt","size":1,"hash":"HASH","base":"../other"}]}""".Replace("HASH", Hash), "files[0].base" },
        { """{}""", "files" },
    };

    /// <summary>Paths the catalog cannot take, as JSON string literals.</summary>
    public static TheoryData<string> BadGrantPaths => new()
    {
        JsonSerializer.Serialize("../etc/passwd"),
        JsonSerializer.Serialize("a/../../b"),
        JsonSerializer.Serialize("/etc/passwd"),
        JsonSerializer.Serialize("C:/Windows/win.ini"),
        JsonSerializer.Serialize("a//b"),
        JsonSerializer.Serialize("a/./b"),
        JsonSerializer.Serialize("nul\u0000byte"),
        JsonSerializer.Serialize(new string('p', Backazon.Contracts.BackupLimits.MaxPathLength + 1)),
    };

    /// <summary>One file the catalog cannot take never stops the rest of the batch: it is refused
    /// with its reason, alone, and nothing is reserved for it.</summary>
    [Theory]
    [MemberData(nameof(BadGrantPaths))]
    public async Task Grants_BadPath_IsRefusedAloneAndTheRestIsGranted(string path)
    {
        using var device = await TestDevice.CreateAsync(backend);
        using var client = backend.Client(device.Token);
        var json = $$"""{"files":[{"path":{{path}},"size":1,"hash":"{{Hash}}"},{"path":"fine.txt","size":2,"hash":"{{new string('b', 64)}}"}]}""";

        var response = await client.PostAsync("uploads/grants", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var files = (await response.Content.ReadFromJsonAsync<Backazon.Contracts.UploadGrantResponse>())!.Files;
        Assert.Equal(Backazon.Contracts.GrantOutcomes.Refused, files[0].Outcome);
        Assert.Contains("files[0].path", files[0].Reason);
        Assert.Equal(Backazon.Contracts.GrantOutcomes.Upload, files[1].Outcome);
        Assert.Equal(2, (await device.AccountAsync()).ReservedBytes);
    }

    [Theory]
    [MemberData(nameof(BadGrantFiles))]
    public async Task Grants_BadInput_Is400NamingTheFieldAndReservesNothing(string json, string field)
    {
        using var device = await TestDevice.CreateAsync(backend);
        using var client = backend.Client(device.Token);

        var response = await client.PostAsync("uploads/grants", new StringContent(json, Encoding.UTF8, "application/json"));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Equal(0, (await device.AccountAsync()).ReservedBytes);
    }

    [Fact]
    public async Task Grants_OversizedBatch_Is400()
    {
        using var device = await TestDevice.CreateAsync(backend);
        using var client = backend.Client(device.Token);
        var files = Enumerable.Range(0, 501).Select(i => new { path = $"f{i}", size = 1, hash = Hash });

        var response = await client.PostAsync("uploads/grants", Json(new { files }));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("between 1 and 500", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("""{"changes":[{"path":"../x","kind":"file","size":1,"hash":"HASH"}]}""", "changes[0].path")]
    [InlineData("""{"changes":[{"path":"x","kind":"directory","size":0}]}""", "changes[0].kind")]
    [InlineData("""{"changes":[{"path":"x","kind":"folder","size":0}]}""", "changes[0].modifiedAt")]
    [InlineData("""{"changes":[{"path":"x","kind":"file","size":1,"hash":"zz"}]}""", "changes[0].hash")]
    [InlineData("""{"changes":[{"path":"x","kind":"symlink","size":0,"modifiedAt":"2026-01-01T00:00:00Z"}]}""", "changes[0].linkTarget")]
    [InlineData("""{"changes":[{"path":"x","kind":"file","size":1,"hash":"HASH"}]}""", "changes[0].modifiedAt")]
    [InlineData("""{"changes":[{"path":"x","kind":"deleted"},{"path":"x","kind":"deleted"}]}""", "changes[1].path")]
    [InlineData("""{"changes":[{"path":"x","kind":"file","size":-5,"hash":"HASH","modifiedAt":"2026-01-01T00:00:00Z"}]}""", "changes[0].size")]
    [InlineData("""{"changes":{"path":"x"}}""", "changes")]
    [InlineData("""{"changes":[{"path":"x","kind":"deleted"}],"grantIds":["../../other/grants/x"]}""", "grantIds")]
    public async Task Commit_BadInput_Is400AndQueuesNothing(string json, string field)
    {
        using var device = await TestDevice.CreateAsync(backend);
        using var client = backend.Client(device.Token);

        var response = await client.PostAsync("backups/commits", new StringContent(json.Replace("HASH", Hash), Encoding.UTF8, "application/json"));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(field, problem.GetProperty("field").GetString());
        var commits = backend.Storage.Tables.GetTableClient(Backazon.Backend.Configuration.StorageNames.AccountsTable)
            .QueryAsync<Azure.Data.Tables.TableEntity>($"PartitionKey eq '{device.AccountId}' and RowKey ge 'commit:' and RowKey lt 'commit;'");
        await foreach (var _ in commits)
        {
            Assert.Fail("A refused commit was recorded.");
        }
    }

    [Fact]
    public async Task Grants_NestedTooDeep_Is400SayingSoAndNamingNoField()
    {
        using var device = await TestDevice.CreateAsync(backend);
        using var client = backend.Client(device.Token);
        var json = """{"files":""" + new string('[', 100_000) + new string(']', 100_000) + "}";

        var response = await client.PostAsync("uploads/grants", new StringContent(json, Encoding.UTF8, "application/json"));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.StartsWith("The request body is nested too deep: at most 64 levels are allowed", problem.GetProperty("detail").GetString());
        Assert.False(problem.TryGetProperty("field", out _));
    }

    [Fact]
    public async Task Commit_BrokenJson_Is400SayingWhereItBroke()
    {
        using var device = await TestDevice.CreateAsync(backend);
        using var client = backend.Client(device.Token);

        var response = await client.PostAsync("backups/commits", new StringContent("{\"changes\":\n [{\"path\": x}]}", Encoding.UTF8, "application/json"));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("The request body is not valid JSON (line 2, byte 12).", problem.GetProperty("detail").GetString());
        Assert.False(problem.TryGetProperty("field", out _));
    }

    [Fact]
    public async Task Grants_UnknownFields_AreIgnored()
    {
        using var device = await TestDevice.CreateAsync(backend);
        using var client = backend.Client(device.Token);
        var json = """{"files":[{"path":"ok.txt","size":1,"hash":"HASH","color":"blue"}],"future":{"x":1}}""".Replace("HASH", Hash);

        var response = await client.PostAsync("uploads/grants", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task BackupCalls_WithoutDeviceToken_Are401()
    {
        using var client = backend.Client(BackendFixture.OperatorKey);
        await Api.ProblemAsync(await client.PostAsync("uploads/grants", Json(new { files = new[] { new { path = "a", size = 1, hash = Hash } } })), HttpStatusCode.Unauthorized);
        await Api.ProblemAsync(await client.GetAsync("backups/commits/0123456789abcdef01234567"), HttpStatusCode.Unauthorized);
    }

    private static string Grant(string path, long size, string hash) =>
        JsonSerializer.Serialize(new { files = new[] { new { path, size, hash } } });

    private const long Chunked = Backazon.Contracts.BackupLimits.ChunkedMinBytes;

    private static string Chunks(string path, long size, string hash, string chunks) =>
        $$"""{"files":[{"path":"{{path}}","size":{{size}},"hash":"{{hash}}","chunks":{{chunks.Replace("HASH", Hash)}}}]}""";

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
}

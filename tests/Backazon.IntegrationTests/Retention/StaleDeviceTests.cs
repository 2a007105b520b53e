using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Backazon.Backend.Accounts;
using Backazon.Backend.Nightly;
using Backazon.Contracts;
using Backazon.IntegrationTests.Infrastructure;

namespace Backazon.IntegrationTests.Retention;

[Collection(BackendCollection.Name)]
public sealed class StaleDeviceTests(BackendFixture backend)
{
    [Fact]
    public async Task StaleDevice_NoBackupFor36Hours_FlaggedListedAndWebhookCalledOnce()
    {
        using var hook = new WebhookListener();
        using var sim = RetentionHarness.Create(backend, new() { ["Lifecycle:StaleDeviceWebhookUrl"] = hook.Url });
        var device = await sim.NewDeviceAsync();
        var stale = sim.Get<StaleDeviceService>();

        sim.Clock.Advance(TimeSpan.FromHours(35));
        await sim.SweepAsync(device.AccountId);
        Assert.DoesNotContain(await stale.ListAsync(), d => d.DeviceId == device.DeviceId);

        sim.Clock.Advance(TimeSpan.FromHours(2));
        await sim.SweepAsync(device.AccountId);
        await sim.SweepAsync(device.AccountId); // the next day's sweep does not call again
        var listed = Assert.Single(await stale.ListAsync(), d => d.DeviceId == device.DeviceId);
        Assert.NotNull(listed.NotifiedAt);
        var call = Assert.Single(hook.Received, n => n.DeviceId == device.DeviceId);
        Assert.Equal((StaleDeviceNotification.StaleEvent, device.AccountId), (call.Event, call.AccountId));

        // A completed backup unflags it.
        var row = (await sim.Get<AccountStore>().FindDeviceAsync(device.AccountId, device.DeviceId))!;
        row.LastBackupAt = sim.Clock.GetUtcNow();
        await sim.Get<AccountStore>().Table.UpdateEntityAsync(row, row.ETag);
        await sim.SweepAsync(device.AccountId);
        Assert.DoesNotContain(await stale.ListAsync(), d => d.DeviceId == device.DeviceId);
    }

    /// <summary>A webhook receiver on loopback only, recording what it is sent.</summary>
    private sealed class WebhookListener : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;

        public WebhookListener()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = $"http://127.0.0.1:{port}/hook/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await _listener.GetContextAsync();
                    }
                    catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                    {
                        return;
                    }

                    var body = await JsonSerializer.DeserializeAsync<StaleDeviceNotification>(context.Request.InputStream, JsonSerializerOptions.Web);
                    lock (Received)
                    {
                        Received.Add(body!);
                    }

                    context.Response.StatusCode = 204;
                    context.Response.Close();
                }
            });
        }

        public string Url { get; }
        public List<StaleDeviceNotification> Received { get; } = [];

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
        }
    }
}

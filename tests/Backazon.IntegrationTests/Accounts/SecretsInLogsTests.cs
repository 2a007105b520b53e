using System.Net.Http.Json;
using Backazon.Backend.Security;
using Backazon.IntegrationTests.Infrastructure;

namespace Backazon.IntegrationTests.Accounts;

[Collection(BackendCollection.Name)]
public sealed class SecretsInLogsTests(BackendFixture backend)
{
    [Fact]
    public async Task NoSecret_AppearsInLogsOrInOtherResponses()
    {
        var device = await backend.NewDeviceAsync();
        Assert.True(DeviceToken.TryParse(device.Token, out var token));
        using (var client = backend.Client(device.Token))
        {
            var status = await client.GetStringAsync("device/status");
            Assert.DoesNotContain(token.Secret, status);
            await client.GetAsync("admin/plans"); // refused: device token on an operator route
        }

        using (var forged = backend.Client($"bkz1.{token.AccountId}.{token.DeviceId}.{Secrets.NewSecret()}"))
        {
            await forged.GetAsync("device/status");
        }

        using (var operatorClient = backend.OperatorClient())
        {
            var shown = await operatorClient.GetStringAsync($"admin/accounts/{device.AccountId}");
            Assert.DoesNotContain(token.Secret, shown);
        }

        var logs = string.Join("\n", backend.Logs.Lines);
        Assert.NotEmpty(backend.Logs.Lines);
        Assert.DoesNotContain(token.Secret, logs);
        Assert.DoesNotContain(BackendFixture.OperatorKey, logs);
        Assert.DoesNotContain(Backazon.LocalHost.Azurite.AzuriteProcess.AccountKey, logs);
    }
}

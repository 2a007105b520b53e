using Backazon.Contracts;
using Backazon.Uploader.Api;
using Backazon.Uploader.Ui;

namespace Backazon.Uploader.Commands;

/// <summary>
/// Where a person looks for files this computer does not hold (a new computer, say): which of the
/// account's other computers hold something there, and how to name one. Asked only after the
/// answer was "nothing", one small listing per other computer.
/// </summary>
public static class OtherComputers
{
    public static async Task<string> HintAsync(BackazonClient client, string thisDevice, string catalogPath, CancellationToken cancellationToken)
    {
        var others = (await client.DeviceStatusAsync(cancellationToken)).Devices.Where(d => d.Id != thisDevice).ToList();
        if (others.Count == 0)
        {
            return "";
        }

        var holding = new List<DeviceView>();
        foreach (var device in others)
        {
            try
            {
                if ((await client.ListCatalogAsync(device.Id, catalogPath, null, deleted: false, recursive: false, null, cancellationToken)).Items.Count > 0)
                {
                    holding.Add(device);
                }
            }
            catch (BackazonApiException e) when (e.Status == 404)
            {
            }
        }

        if (holding.Count == 0)
        {
            return $" No other computer of the account holds anything there either ({string.Join(", ", others.Select(d => $"'{d.Name}'"))}).";
        }

        var first = holding[0];
        var which = string.Join(", ", holding.Select(d => $"'{d.Name}'{(d.Revoked ? " (revoked)" : "")}"));
        return $" The account's {(holding.Count == 1 ? "computer" : "computers")} {which} {(holding.Count == 1 ? "holds" : "hold")} files there: " +
            $"add --device {Quoted(first)} to see them, or, if this computer replaces it, enroll it again with --force --replaces {Quoted(first)} to take over its backups.";
    }

    private static string Quoted(DeviceView device) =>
        device.Name.Length > 0 && device.Name.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.') ? device.Name : $"'{device.Name.Replace("'", "'\\''")}'";
}

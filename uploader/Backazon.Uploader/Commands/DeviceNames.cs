using Backazon.Contracts;
using Backazon.Uploader.Cli;

namespace Backazon.Uploader.Commands;

/// <summary>Finds a device of an account by what a person types: its id, or its name.</summary>
public static class DeviceNames
{
    /// <exception cref="CliException">No device, or several, answer to that.</exception>
    public static DeviceView Find(IReadOnlyList<DeviceView> devices, string nameOrId)
    {
        if (devices.FirstOrDefault(d => d.Id == nameOrId) is { } byId)
        {
            return byId;
        }

        var named = devices.Where(d => d.Name == nameOrId).ToList();
        return named.Count switch
        {
            1 => named[0],
            0 => throw new CliException(devices.Count == 0
                ? $"The account has no devices, so none is called '{nameOrId}'."
                : $"No device of the account is called '{nameOrId}'. Devices: {string.Join(", ", devices.Select(d => $"{d.Name} ({d.Id})"))}."),
            _ => throw new CliException($"Several devices are called '{nameOrId}'; give the id of the one you mean: {string.Join(", ", named.Select(d => d.Id))}."),
        };
    }
}

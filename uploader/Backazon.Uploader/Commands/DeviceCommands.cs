using System.CommandLine;
using System.Text.Json;
using Backazon.Contracts;
using Backazon.Uploader.Agent;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Configuration;
using Backazon.Uploader.Ui;

namespace Backazon.Uploader.Commands;

/// <summary>"backazon enroll" and "backazon status".</summary>
public static class DeviceCommands
{
    public static Command Enroll(CliContext cli)
    {
        var server = new Option<string>("--server") { Description = "The Backazon server's address, e.g. https://backazon.example.com", Required = true };
        var code = new Option<string?>("--code") { Description = "The enrollment code from your operator; without one, a code is shown for a member of the account to approve" };
        var name = new Option<string?>("--name") { Description = "A name for this device (default: the machine name)" };
        var force = new Option<bool>("--force") { Description = "Replace this machine's existing enrollment" };
        var replaces = new Option<string?>("--replaces") { Description = "Take over the backups of a computer of the account that is gone (its name or id): its history continues here, nothing is sent again, and it can no longer back up" };
        var command = new Command("enroll", "Enroll this machine: with an operator's code, or by a code a member of the account approves") { server, code, name, force, replaces };
        command.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            var existing = cli.Config.Read<DeviceConfig>(DeviceConfig.FileName);
            if (existing is not null && !parse.GetValue(force))
            {
                throw new CliException(
                    $"This machine is already enrolled as device '{existing.DeviceName}' ({existing.DeviceId}); add --force to replace that enrollment.");
            }

            var serverValue = parse.GetValue(server)!;
            // Not retried: a code is single-use, and a retry after a lost answer would spend it twice.
            using var client = cli.Client(serverValue, token: null, retry: false);
            var deviceName = parse.GetValue(name) ?? Environment.MachineName;
            var os = System.Runtime.InteropServices.RuntimeInformation.OSDescription;
            var replaced = parse.GetValue(replaces);
            var enrolled = parse.GetValue(code) is { } given
                ? await client.EnrollAsync(new EnrollRequest(given, deviceName, os, replaced), cancellationToken)
                : await LinkAsync(cli, client, new DeviceLinkRequest(deviceName, os, replaced), cancellationToken);
            cli.Config.WriteSecret(DeviceConfig.FileName,
                new DeviceConfig(CliContext.ParseServer(serverValue).ToString().TrimEnd('/'), enrolled.AccountId, enrolled.DeviceId, enrolled.DeviceName, enrolled.Token));
            await cli.Out.WriteLineAsync($"Enrolled as device '{enrolled.DeviceName}' ({enrolled.DeviceId}) of account {enrolled.AccountId}.");
            if (enrolled.Replaced is { } old)
            {
                await cli.Out.WriteLineAsync(
                    $"This computer took over '{old}': its backups and history continue here ('backazon ls', 'backazon restore'), and '{old}' can no longer back up.");
            }
            await cli.Out.WriteLineAsync($"Credentials saved to {cli.Config.File(DeviceConfig.FileName)} (readable by you only).");
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>RFC 8628 from the computer's side: show the code, then poll at the interval the
    /// server gave (five seconds more after each slow_down) until a member approves or denies it,
    /// or it expires; a refusal is the server's one sentence.</summary>
    private static async Task<EnrollResponse> LinkAsync(CliContext cli, Api.BackazonClient client, DeviceLinkRequest request, CancellationToken cancellationToken)
    {
        var started = await client.StartDeviceLinkAsync(request, cancellationToken);
        await cli.Out.WriteLineAsync($"Open {started.VerificationUri} and enter {started.UserCode}");
        await cli.Out.WriteLineAsync($"(signed in to your Backazon account; the code is good for {started.ExpiresIn / 60} minutes)");
        var interval = TimeSpan.FromSeconds(Math.Max(1, started.Interval));
        while (true)
        {
            await Task.Delay(interval, cancellationToken);
            try
            {
                return await client.PollDeviceLinkAsync(started.DeviceCode, cancellationToken);
            }
            catch (Api.BackazonApiException e) when (e.Error == DeviceLinkErrors.AuthorizationPending)
            {
            }
            catch (Api.BackazonApiException e) when (e.Error == DeviceLinkErrors.SlowDown)
            {
                interval += TimeSpan.FromSeconds(5);
            }
        }
    }

    public static Command Status(CliContext cli)
    {
        var json = new Option<bool>("--json") { Description = "Print JSON (the field names are stable)" };
        var command = new Command("status", "Show this machine's backups (last, next, pending, problems), the agent, and the account's plan and usage") { json };
        command.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            // The config is checked as every command checks it: a broken one is the first thing to fix.
            cli.Settings();
            var report = await StatusReport.ReadAsync(cli, cancellationToken);
            if (parse.GetValue(json))
            {
                await cli.Out.WriteLineAsync(JsonSerializer.Serialize(report, ConfigFolder.Json));
                return ExitCodes.Success;
            }

            await cli.Out.WriteLineAsync(StatusText.Describe(report));
            if (report.Account is { } account)
            {
                await cli.Out.WriteLineAsync(Describe(account, report.Device.Id, report.Agent.BackingUp));
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    /// <param name="backingUp">whether a backup of this machine runs now: only then is what the
    /// account holds for granted uploads called uploading; otherwise it is what unfinished
    /// uploads (a killed run, another device) still hold until their grants expire.</param>
    public static string Describe(AccountView account, string? thisDevice = null, bool backingUp = false)
    {
        var lines = new List<string>
        {
            $"Account:  {account.Id}{(account.Name.Length > 0 ? $" ({account.Name})" : "")}",
            $"Status:   {account.Status}",
            $"Plan:     {account.Plan.DisplayName} ({account.Plan.Id}): {ByteSizes.Format(account.Plan.StorageQuotaBytes)} quota, " +
            $"{account.Plan.DeviceLimit} device(s), files up to {ByteSizes.Format(account.Plan.MaxFileBytes)}, " +
            $"old versions kept {Days(account.Plan.VersionHistoryDays)}, deleted files kept {Days(account.Plan.DeletedRetentionDays)}",
            $"Usage:    {ByteSizes.Format(account.UsedBytes)} of {ByteSizes.Format(account.Plan.StorageQuotaBytes)}" +
            (account.ReservedBytes <= 0 ? ""
                : backingUp ? $" (+{ByteSizes.Format(account.ReservedBytes)} uploading)"
                : $" (+{ByteSizes.Format(account.ReservedBytes)} held by unfinished uploads until their grants expire)"),
            $"Devices:  {account.Devices.Count(d => !d.Revoked)} of {account.Plan.DeviceLimit}",
        };
        foreach (var d in account.Devices)
        {
            var marks = (d.Id == thisDevice ? " (this device)" : "") + (d.Revoked ? " (revoked)" : "");
            var seen = d.LastSeenAt is { } at ? $"last seen {Times.Local(at)}" : "never seen";
            lines.Add($"  {d.Id}  {d.Name}{marks}  enrolled {Times.Local(d.EnrolledAt)}, {seen}");
        }

        return string.Join(Environment.NewLine, lines);
    }

    private static string Days(int days) => days == 0 ? "forever" : $"{days} days";
}

using System.CommandLine;
using System.Text.Json;
using Backazon.Contracts;
using Backazon.Uploader.Api;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Configuration;
using Backazon.Uploader.Ui;

namespace Backazon.Uploader.Commands;

/// <summary>"backazon admin purges | purge hold/release ACCOUNT | stale-devices | recount ACCOUNT".</summary>
public static class LifecycleCommands
{
    public static void AddTo(Command admin, CliContext cli, Func<BackazonClient> operatorClient)
    {
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var purges = new Command("purges", "List canceled accounts and when their data will be purged") { json };
        purges.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            using var client = operatorClient();
            var list = await client.ListPurgesAsync(cancellationToken);
            await Print(parse.GetValue(json), list, list.Count == 0 ? ["No purges scheduled: no account is canceled."] : list.Select(p =>
                $"{p.AccountId}  purge {(p.Held ? "HELD" : $"on {Times.Local(p.PurgeAt)}")}  canceled {Times.Local(p.CanceledAt)}  {ByteSizes.Format(p.UsedBytes)}  {p.Name}"));
            return ExitCodes.Success;
        }));
        admin.Subcommands.Add(purges);

        var purge = new Command("purge", "Stop or resume the scheduled purge of a canceled account");
        foreach (var (name, held, description) in new[] { ("hold", true, "Stop the purge (until released)"), ("release", false, "Let the purge happen on its date") })
        {
            var account = new Argument<string>("account") { Description = "The account id" };
            var command = new Command(name, description) { account };
            command.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
            {
                using var client = operatorClient();
                var view = await client.HoldPurgeAsync(parse.GetValue(account)!, held, cancellationToken);
                await cli.Out.WriteLineAsync(view.Held
                    ? $"Purge of account {view.AccountId} held: nothing is deleted until it is released."
                    : $"Purge of account {view.AccountId} scheduled on {Times.Local(view.PurgeAt)}.");
                return ExitCodes.Success;
            }));
            purge.Subcommands.Add(command);
        }

        admin.Subcommands.Add(purge);

        var stale = new Command("stale-devices", "List devices with no completed backup for too long") { json };
        stale.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            using var client = operatorClient();
            var list = await client.ListStaleDevicesAsync(cancellationToken);
            await Print(parse.GetValue(json), list, list.Count == 0 ? ["No stale devices: none has gone too long without a backup."] : list.Select(d =>
                $"{d.AccountId}  {d.DeviceId}  {d.DeviceName}  last backup {(d.LastBackupAt is { } at ? Times.Local(at) : "never")}  stale since {Times.Local(d.StaleSince)}"));
            return ExitCodes.Success;
        }));
        admin.Subcommands.Add(stale);

        var recountAccount = new Argument<string>("account") { Description = "The account id" };
        var recount = new Command("recount", "Recompute an account's usage from its content and the blobs in storage") { recountAccount, json };
        recount.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            using var client = operatorClient();
            var r = await client.RecountAsync(parse.GetValue(recountAccount)!, cancellationToken);
            await Print(parse.GetValue(json), r, [
                $"Account {r.AccountId}: recorded {r.RecordedBytes:N0} bytes; content rows {r.ContentRows} = {r.ContentRowBytes:N0} bytes; blobs {r.Blobs} = {r.BlobBytes:N0} bytes.",
                r.Consistent ? "Consistent: no difference." : $"DIFFERENCE: {r.RecordedBytes - r.ContentRowBytes:N0} bytes recorded beyond content; {r.MissingBlobs.Count} missing blob(s), {r.OrphanBlobs.Count} orphan blob(s)."]);
            return r.Consistent ? ExitCodes.Success : ExitCodes.Failure;
        }));
        admin.Subcommands.Add(recount);

        async Task Print<T>(bool asJson, T value, IEnumerable<string> lines)
        {
            if (asJson)
            {
                await cli.Out.WriteLineAsync(JsonSerializer.Serialize(value, ConfigFolder.Json));
                return;
            }

            foreach (var line in lines)
            {
                await cli.Out.WriteLineAsync(line);
            }
        }
    }
}

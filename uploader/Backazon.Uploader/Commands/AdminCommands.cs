using System.CommandLine;
using System.Text.Json;
using Backazon.Contracts;
using Backazon.Uploader.Api;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Configuration;
using Backazon.Uploader.Ui;

namespace Backazon.Uploader.Commands;

/// <summary>"backazon admin ...": the operator API. The key comes from "admin login", or from
/// BACKAZON_SERVER and BACKAZON_OPERATOR_KEY.</summary>
public static class AdminCommands
{
    public static Command Create(CliContext cli)
    {
        var admin = new Command("admin", "Operator commands: accounts, plans, enrollment codes, devices, invitations, members");
        admin.Subcommands.Add(Login(cli));
        admin.Subcommands.Add(Plans(cli));
        admin.Subcommands.Add(Account(cli));
        admin.Subcommands.Add(Code(cli));
        admin.Subcommands.Add(Device(cli));
        admin.Subcommands.Add(Invite(cli));
        admin.Subcommands.Add(Members(cli));
        LifecycleCommands.AddTo(admin, cli, () => OperatorClient(cli));
        return admin;
    }

    private static Command Login(CliContext cli)
    {
        var server = new Option<string>("--server") { Description = "The Backazon server's address", Required = true };
        var keyFile = new Option<FileInfo?>("--key-file") { Description = "A file holding the operator key" };
        var command = new Command("login", "Save the operator key for this server (read from --key-file or standard input)") { server, keyFile };
        command.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            var file = parse.GetValue(keyFile);
            var key = file is not null
                ? (file.Exists ? (await File.ReadAllTextAsync(file.FullName, cancellationToken)).Trim() : throw new CliException($"The key file '{file.FullName}' does not exist."))
                : (await Console.In.ReadLineAsync(cancellationToken))?.Trim();
            if (string.IsNullOrEmpty(key))
            {
                throw new CliException("No operator key was given: pass --key-file FILE or type the key on standard input.");
            }

            var serverValue = CliContext.ParseServer(parse.GetValue(server)!).ToString().TrimEnd('/');
            using (var client = cli.Client(serverValue, key))
            {
                await client.ListPlansAsync(cancellationToken); // proves the key before saving it
            }

            cli.Config.WriteSecret(OperatorConfig.FileName, new OperatorConfig(serverValue, key));
            await cli.Out.WriteLineAsync($"Operator key for {serverValue} saved to {cli.Config.File(OperatorConfig.FileName)} (readable by you only).");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Plans(CliContext cli)
    {
        var command = new Command("plans", "List the plans on sale");
        command.SetAction((_, cancellationToken) => cli.RunAsync(async () =>
        {
            using var client = OperatorClient(cli);
            foreach (var p in await client.ListPlansAsync(cancellationToken))
            {
                await cli.Out.WriteLineAsync(
                    $"{p.Id,-10} {p.DisplayName,-10} quota {ByteSizes.Format(p.StorageQuotaBytes)}, {p.DeviceLimit} device(s), files up to {ByteSizes.Format(p.MaxFileBytes)}, " +
                    $"history {(p.VersionHistoryDays == 0 ? "forever" : p.VersionHistoryDays + " days")}, deleted kept {(p.DeletedRetentionDays == 0 ? "forever" : p.DeletedRetentionDays + " days")}");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Account(CliContext cli)
    {
        var account = new Command("account", "Open, show and change accounts");

        var plan = new Option<string>("--plan") { Description = "The plan id (see 'admin plans')", Required = true };
        var name = new Option<string?>("--name") { Description = "The customer's name" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only the new account's id" };
        var create = new Command("create", "Open an account on a plan") { plan, name, quiet };
        create.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            using var client = OperatorClient(cli);
            var created = await client.CreateAccountAsync(new CreateAccountRequest(parse.GetValue(name), parse.GetValue(plan)), cancellationToken);
            await cli.Out.WriteLineAsync(parse.GetValue(quiet) ? created.Id : $"Created account {created.Id} on the {created.Plan.DisplayName} plan.");
            return ExitCodes.Success;
        }));

        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var list = new Command("list", "List the accounts: id, status, plan, usage, devices, name") { json };
        list.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            using var client = OperatorClient(cli);
            var any = false;
            string? continuation = null;
            do
            {
                // A page per request, printed as it comes: the list may be long.
                var page = await client.ListAccountsAsync(continuation, cancellationToken);
                foreach (var a in page.Items)
                {
                    any = true;
                    await cli.Out.WriteLineAsync(parse.GetValue(json)
                        ? JsonSerializer.Serialize(a, ConfigFolder.Json)
                        : $"{a.Id}  {a.Status,-9}  {a.PlanId,-10}  {ByteSizes.Format(a.UsedBytes),10}  {a.ActiveDevices} device(s)  {a.Name}");
                }

                continuation = page.Continuation;
            }
            while (continuation is not null);

            if (!any && !parse.GetValue(json))
            {
                await cli.Out.WriteLineAsync("No accounts yet: open one with 'backazon admin account create --plan PLAN'.");
            }

            return ExitCodes.Success;
        }));

        var id = new Argument<string>("account") { Description = "The account id" };
        var show = new Command("show", "Show an account with its usage and devices") { id, json };
        show.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            using var client = OperatorClient(cli);
            var view = await client.GetAccountAsync(parse.GetValue(id)!, cancellationToken);
            await cli.Out.WriteLineAsync(parse.GetValue(json) ? JsonSerializer.Serialize(view, ConfigFolder.Json) : DeviceCommands.Describe(view));
            return ExitCodes.Success;
        }));

        var newPlan = new Option<string?>("--plan") { Description = "Move the account to this plan" };
        var status = new Option<string?>("--status") { Description = $"Set the status: {string.Join(", ", AccountStatuses.All)}" };
        var set = new Command("set", "Change an account's plan or status") { id, newPlan, status };
        set.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            using var client = OperatorClient(cli);
            var view = await client.UpdateAccountAsync(parse.GetValue(id)!, new UpdateAccountRequest(parse.GetValue(newPlan), parse.GetValue(status)), cancellationToken);
            await cli.Out.WriteLineAsync($"Account {view.Id}: plan {view.Plan.Id}, status {view.Status}.");
            return ExitCodes.Success;
        }));

        account.Subcommands.Add(create);
        account.Subcommands.Add(list);
        account.Subcommands.Add(show);
        account.Subcommands.Add(set);
        return account;
    }

    private static Command Code(CliContext cli)
    {
        var id = new Argument<string>("account") { Description = "The account id" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only the code" };
        var create = new Command("create", "Issue a single-use enrollment code (valid 24 hours)") { id, quiet };
        create.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            using var client = OperatorClient(cli);
            var code = await client.CreateEnrollmentCodeAsync(parse.GetValue(id)!, cancellationToken);
            await cli.Out.WriteLineAsync(parse.GetValue(quiet) ? code.Code : $"Enrollment code {code.Code} for account {code.AccountId}, valid until {Times.Local(code.ExpiresAt)}.");
            return ExitCodes.Success;
        }));
        return new Command("code", "Enrollment codes") { create };
    }

    private static Command Invite(CliContext cli)
    {
        var account = new Argument<string>("account") { Description = "The account id" };
        var email = new Argument<string>("email") { Description = "Whom to invite (the link goes to them; the first sign-in that opens it joins the account)" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only the link" };
        var invite = new Command("invite", "Invite a person to an account: a single-use link, valid 7 days") { account, email, quiet };
        invite.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            using var client = OperatorClient(cli);
            var invitation = await client.CreateInvitationAsync(parse.GetValue(account)!, parse.GetValue(email)!, cancellationToken);
            await cli.Out.WriteLineAsync(parse.GetValue(quiet) ? invitation.Link
                : $"Invitation for {invitation.Email} to account {invitation.AccountId}, valid until {Times.Local(invitation.ExpiresAt)}; send them this link:{Environment.NewLine}{invitation.Link}");
            return ExitCodes.Success;
        }));
        return invite;
    }

    private static Command Members(CliContext cli)
    {
        var account = new Argument<string>("account") { Description = "The account id" };
        var list = new Command("list", "The people of an account: id, e-mail invited, when they joined") { account };
        list.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            using var client = OperatorClient(cli);
            foreach (var member in await client.ListMembersAsync(parse.GetValue(account)!, cancellationToken))
            {
                await cli.Out.WriteLineAsync($"{member.Id}  {member.Email}  joined {Times.Local(member.JoinedAt)}");
            }

            return ExitCodes.Success;
        }));
        var removeAccount = new Argument<string>("account") { Description = "The account id" };
        var member = new Argument<string>("member") { Description = "The member id (see 'admin members list')" };
        var remove = new Command("remove", "Remove a person from an account: their sign-in stops reaching it at once (devices stay)") { removeAccount, member };
        remove.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            using var client = OperatorClient(cli);
            await client.RemoveMemberAsync(parse.GetValue(removeAccount)!, parse.GetValue(member)!, cancellationToken);
            await cli.Out.WriteLineAsync($"Member {parse.GetValue(member)} removed.");
            return ExitCodes.Success;
        }));
        return new Command("members", "The people of an account") { list, remove };
    }

    private static Command Device(CliContext cli)
    {
        var revoke = DeviceVerb(cli, "revoke", "Revoke a device: its credentials stop working at once", async (client, accountId, target, ct) =>
        {
            await client.RevokeDeviceAsync(accountId, target.Id, ct);
            return $"Device '{target.Name}' ({target.Id}) revoked.";
        });
        var clear = DeviceVerb(cli, "clear", "Clear a device's count of uploads that failed the backend's check, so a device stopped by it backs up again",
            async (client, accountId, target, ct) =>
            {
                await client.ClearRejectionsAsync(accountId, target.Id, ct);
                return $"Device '{target.Name}' ({target.Id}) may back up again: its {target.RejectedUploads} rejected uploads no longer count.";
            });
        return new Command("device", "Devices") { revoke, clear };
    }

    /// <summary>An operator verb on one device of an account, found by name or id.</summary>
    private static Command DeviceVerb(CliContext cli, string name, string description, Func<BackazonClient, string, DeviceView, CancellationToken, Task<string>> act)
    {
        var account = new Argument<string>("account") { Description = "The account id" };
        var device = new Argument<string>("device") { Description = "The device's name or id (see 'admin account show')" };
        var command = new Command(name, description) { account, device };
        command.SetAction((parse, cancellationToken) => cli.RunAsync(async () =>
        {
            using var client = OperatorClient(cli);
            var accountId = parse.GetValue(account)!;
            var target = DeviceNames.Find((await client.GetAccountAsync(accountId, cancellationToken)).Devices, parse.GetValue(device)!);
            await cli.Out.WriteLineAsync(await act(client, accountId, target, cancellationToken));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static BackazonClient OperatorClient(CliContext cli)
    {
        var server = Environment.GetEnvironmentVariable("BACKAZON_SERVER");
        var key = Environment.GetEnvironmentVariable("BACKAZON_OPERATOR_KEY");
        if (server is { Length: > 0 } && key is { Length: > 0 })
        {
            return cli.Client(server, key);
        }

        var saved = cli.Config.Read<OperatorConfig>(OperatorConfig.FileName)
            ?? throw new CliException("No operator key: run 'backazon admin login --server URL --key-file FILE' first.");
        return cli.Client(saved.Server, saved.Key);
    }
}

using System.CommandLine;
using System.CommandLine.Parsing;

namespace Backazon.Uploader.Commands;

/// <summary>
/// A command line that does not parse, told in one sentence with the nearest name that exists
/// ("did you mean '--exclude'?"). System.CommandLine's own report is several lines over both
/// streams followed by the whole help, and its typo correction is private to it. It also lets an
/// unknown option through as a value of a command's argument ("backup --exlude x" would back up a
/// folder called "--exlude"): <see cref="RefuseOptionsAsArguments"/> stops that.
/// </summary>
public static class CommandLineMistakes
{
    public const string Program = "backazon";

    // As far as System.CommandLine's own correction reaches: further, a suggestion is a guess.
    private const int MaxDistance = 3;

    /// <summary>Makes every argument of <paramref name="command"/> and its subcommands refuse a
    /// value that looks like an option. A path that starts with '-' can still be given as ./-name.</summary>
    public static void RefuseOptionsAsArguments(Command command, string path = Program)
    {
        foreach (var argument in command.Arguments)
        {
            argument.Validators.Add(result =>
            {
                if (result.Tokens.FirstOrDefault(t => t.Value.Length > 1 && t.Value[0] == '-') is { } token)
                {
                    result.AddError(UnknownOption(token.Value, command, path));
                }
            });
        }

        foreach (var subcommand in command.Subcommands)
        {
            RefuseOptionsAsArguments(subcommand, $"{path} {subcommand.Name}");
        }
    }

    /// <summary>The one sentence for a command line that did not parse, or null when all that is
    /// wrong is a missing subcommand ("backazon admin"), which its help answers better.</summary>
    public static string? Describe(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var path = string.Join(' ', CommandNames(parse.CommandResult).Prepend(Program));
        string? problem;
        if (parse.UnmatchedTokens.FirstOrDefault() is { } token)
        {
            problem = token.StartsWith('-') ? UnknownOption(token, command, path) : UnknownCommand(token, command, path);
        }
        else
        {
            // A command that only groups others has no action: its own error is "no command given".
            var error = parse.Errors.FirstOrDefault(e => !(e.SymbolResult == parse.CommandResult && command.Action is null && command.Subcommands.Count > 0));
            problem = error?.SymbolResult is ArgumentResult { Tokens.Count: 0 } missing && missing.Argument.Arity.MinimumNumberOfValues > 0
                ? $"'{path}' needs a {missing.Argument.Name}"
                : error?.Message;
        }

        // A question ("did you mean ...?") already says what to do; anything else points at the help.
        return problem is null ? null : problem.EndsWith('?') ? problem : $"{problem.TrimEnd('.')}: see '{path} --help'.";
    }

    /// <summary>The names of the commands given, below the root ("admin", "account").</summary>
    public static IEnumerable<string> CommandNames(CommandResult result)
    {
        var names = new Stack<string>();
        for (var current = result; current.Parent is CommandResult parent; current = parent)
        {
            names.Push(current.Command.Name);
        }

        return names;
    }

    private static string UnknownOption(string token, Command command, string path)
    {
        var name = token.Split('=', ':')[0];
        return Suggest(name, command.Options.SelectMany(o => o.Aliases.Prepend(o.Name))) is { } suggestion
            ? $"'{name}' is not an option of '{path}'; did you mean '{suggestion}'?"
            : $"'{name}' is not an option of '{path}'";
    }

    private static string UnknownCommand(string token, Command command, string path)
    {
        if (command.Subcommands.Count == 0)
        {
            return $"'{path}' does not take '{token}'";
        }

        var what = path == Program ? $"a {Program} command" : $"a command of '{path}'";
        return Suggest(token, command.Subcommands.SelectMany(c => c.Aliases.Prepend(c.Name))) is { } suggestion
            ? $"'{token}' is not {what}; did you mean '{suggestion}'?"
            : $"'{token}' is not {what}";
    }

    /// <summary>The candidate nearest to <paramref name="typed"/> by edit distance, if any is near.</summary>
    public static string? Suggest(string typed, IEnumerable<string> candidates) =>
        candidates.Select(c => (Name: c, Distance: Distance(typed, c)))
            .Where(c => c.Distance <= MaxDistance && c.Distance < c.Name.TrimStart('-').Length)
            .OrderBy(c => c.Distance)
            .Select(c => c.Name)
            .FirstOrDefault();

    /// <summary>Levenshtein distance, two rows at a time.</summary>
    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}

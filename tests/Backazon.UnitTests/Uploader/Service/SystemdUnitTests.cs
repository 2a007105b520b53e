using System.Globalization;
using System.Text;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Commands;
using Backazon.Uploader.Service;

namespace Backazon.UnitTests.Uploader.Service;

/// <summary>The unit's quoting, checked by reading it back the way systemd splits a command
/// line (systemd.syntax(7) and systemd.service(5), "Command lines").</summary>
public sealed class SystemdUnitTests
{
    [Theory]
    [InlineData("/usr/bin/backazon")]
    [InlineData("/home/ada/My Programs/backazon")]
    [InlineData("/opt/100% \"real\" $HOME ${X} \\ back\\slash/backazon")]
    [InlineData("tab\there, new\nline")]
    [InlineData("")]
    public void Quote_ReadBackAsSystemdDoes_GivesTheSameWord(string word)
    {
        Assert.Equal([word], Words(SystemdUnit.Quote(word, expandsVariables: true), expandsVariables: true));
        Assert.Equal([word], Words(SystemdUnit.Quote(word, expandsVariables: false), expandsVariables: false));
    }

    [Fact]
    public void Executable_SpecifierAndDollar_KeepsTheDollarAsSystemdDoesNotExpandVariablesThere() =>
        Assert.Equal("\"/opt/100%% $HOME/backazon\"", SystemdUnit.Executable("/opt/100% $HOME/backazon"));

    [Theory]
    [InlineData("/opt/\"quoted\"/backazon")]
    [InlineData("/opt/it's/backazon")]
    [InlineData("/opt/back\\slash/backazon")]
    public void Executable_CharactersSystemdRefusesInAProgramPath_AreRefusedInOneSentence(string path)
    {
        var refused = Assert.Throws<CliException>(() => SystemdUnit.Executable(path));
        Assert.StartsWith("systemd cannot run a program whose path has quotes, backslashes or control characters", refused.Message);
    }

    [Fact]
    public void Quote_PlainWord_StaysUnquoted() => Assert.Equal("/usr/bin/backazon", SystemdUnit.Quote("/usr/bin/backazon", expandsVariables: true));

    [Fact]
    public void Quote_Dollar_IsDoubledOnlyWhereSystemdExpandsVariables()
    {
        Assert.Equal("\"$$HOME\"", SystemdUnit.Quote("$HOME", expandsVariables: true));
        Assert.Equal("\"$HOME\"", SystemdUnit.Quote("$HOME", expandsVariables: false));
    }

    /// <summary>A unit file's assignments as "Section.Key" → values, in order.</summary>
    public static Dictionary<string, List<string>> Keys(string unit)
    {
        var keys = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var section = "";
        foreach (var line in unit.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            if (line.StartsWith('['))
            {
                Assert.EndsWith("]", line);
                section = line[1..^1];
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            Assert.True(equals > 0, $"not an assignment: {line}");
            var key = $"{section}.{line[..equals]}";
            keys.TryAdd(key, []);
            keys[key].Add(line[(equals + 1)..]);
        }

        return keys;
    }

    /// <summary>Splits a value into words as systemd does: whitespace between words, double or
    /// single quotes around one, C escapes, then %% for % and (in command lines) $$ for $.</summary>
    public static List<string> Words(string value, bool expandsVariables)
    {
        var words = new List<string>();
        var i = 0;
        while (true)
        {
            while (i < value.Length && value[i] is ' ' or '\t')
            {
                i++;
            }

            if (i == value.Length)
            {
                return words;
            }

            var word = new StringBuilder();
            char? quote = null;
            for (; i < value.Length && (quote is not null || value[i] is not (' ' or '\t')); i++)
            {
                var c = value[i];
                if (quote is null && c is '"' or '\'')
                {
                    quote = c;
                }
                else if (c == quote)
                {
                    quote = null;
                }
                else if (c == '\\')
                {
                    var e = value[++i];
                    word.Append(e switch
                    {
                        'n' => "\n",
                        't' => "\t",
                        'x' => ((char)int.Parse(value.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToString(),
                        _ => e.ToString(),
                    });
                    i += e == 'x' ? 2 : 0;
                }
                else if (c is '%' or '$' && i + 1 < value.Length && value[i + 1] == c && (c == '%' || expandsVariables))
                {
                    word.Append(c);
                    i++;
                }
                else
                {
                    Assert.False(c == '%', $"a lone % is a specifier systemd would replace: {value}");
                    Assert.False(c == '$' && expandsVariables, $"a lone $ starts a variable systemd would expand: {value}");
                    word.Append(c);
                }
            }

            Assert.Null(quote);
            words.Add(word.ToString());
        }
    }
}

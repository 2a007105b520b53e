using ArchUnitNET.Loader;
using ArchUnitNET.xUnit;
using Backazon.Uploader.Cli;
using static ArchUnitNET.Fluent.ArchRuleDefinition;

namespace Backazon.UnitTests.Architecture;

/// <summary>The uploader's shape: commands run the agent, never the other way round; what both
/// need (the CLI context, its exception and exit codes) lives in Cli/, which uses neither.</summary>
public sealed class UploaderShapeTests
{
    private static readonly ArchUnitNET.Domain.Architecture Uploader =
        new ArchLoader().LoadAssemblies(typeof(CliContext).Assembly).Build();

    [Theory]
    [InlineData("Backazon.Uploader.Agent")]
    [InlineData("Backazon.Uploader.Cli")]
    public void AgentAndCli_DoNotDependOnCommands(string folder) =>
        Types().That().ResideInNamespace(folder)
            .Should().NotDependOnAny(Types().That().ResideInNamespace("Backazon.Uploader.Commands"))
            .Because("Commands/ uses Agent/ and Cli/; a dependency back would make a cycle")
            .Check(Uploader);
}

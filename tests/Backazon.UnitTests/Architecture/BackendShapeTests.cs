using ArchUnitNET.Domain;
using ArchUnitNET.Fluent.Slices;
using ArchUnitNET.Loader;
using ArchUnitNET.xUnit;
using Backazon.Backend.Content;
using static ArchUnitNET.Fluent.ArchRuleDefinition;

namespace Backazon.UnitTests.Architecture;

/// <summary>
/// The backend's shape, kept by rules over its compiled types: its folders depend on each other
/// one way only (the data flows storage → accounts → catalog → content → uploads → retention and
/// the jobs and APIs above them), and one module owns every state change of a content row.
/// </summary>
public sealed class BackendShapeTests
{
    private static readonly System.Reflection.Assembly BackendAssembly = typeof(ContentEntity).Assembly;

    private static readonly ArchUnitNET.Domain.Architecture Backend =
        new ArchLoader().LoadAssemblies(BackendAssembly, typeof(Backazon.Functions.HealthFunctions).Assembly).Build();

    [Fact]
    public void TheBackendsFolders_DependOnEachOtherOneWayOnly() =>
        SliceRuleDefinition.Slices().Matching("Backazon.Backend.(*)").Should().BeFreeOfCycles().Check(Backend);

    [Fact]
    public void OnlyTheContentModule_CreatesChangesOrAddressesContentRows()
    {
        // A content row is written only after it is built or changed, and addressed only by its
        // key: whoever may do neither outside Content/ can read rows it is handed, never write one.
        var writes = MethodMembers().That().AreDeclaredIn(typeof(ContentEntity))
            .And().HaveNameMatching(@"^(set_|\.ctor|RowFor)");
        Types().That().DoNotResideInNamespace("Backazon.Backend.Content").And().AreNot(typeof(ContentEntity))
            .Should().NotCallAny(writes)
            .Because("content rows change state only through the content module (Content/)")
            .Check(Backend);
    }
}

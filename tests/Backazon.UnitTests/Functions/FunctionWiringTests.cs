using System.Reflection;
using Backazon.Functions;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Backazon.UnitTests.Functions;

public sealed class FunctionWiringTests
{
    /// <summary>Builds the real Functions host registrations (as Program does) and resolves every
    /// class holding a [Function]: a missing registration fails here, not in Azure.</summary>
    [Fact]
    public void ProgramServices_ResolveEveryFunctionClass()
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.Configuration["DataStorage"] = "UseDevelopmentStorage=true";
        builder.ConfigureFunctionsWebApplication();
        builder.AddBackazonFunctions();
        using var host = builder.Build();

        var functionClasses = typeof(HealthFunctions).Assembly.GetExportedTypes()
            .Where(t => t.GetMethods().Any(m => m.GetCustomAttribute<FunctionAttribute>() is not null))
            .ToList();

        Assert.NotEmpty(functionClasses);
        foreach (var type in functionClasses)
        {
            Assert.NotNull(ActivatorUtilities.CreateInstance(host.Services, type));
        }
    }
}

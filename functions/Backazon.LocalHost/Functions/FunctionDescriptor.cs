using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace Backazon.LocalHost.Functions;

/// <summary>One <c>[Function]</c> method and the trigger attribute on its parameters.</summary>
public sealed record FunctionDescriptor(string Name, Type Class, MethodInfo Method, Attribute Trigger)
{
    /// <summary>Every function method in the given assemblies, found the way the Functions SDK
    /// finds them: by the <see cref="FunctionAttribute"/> and a trigger on one parameter.</summary>
    public static IReadOnlyList<FunctionDescriptor> Discover(params Assembly[] assemblies) =>
        assemblies
            .SelectMany(a => a.GetExportedTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
                .Select(m => (Type: t, Method: m, Function: m.GetCustomAttribute<FunctionAttribute>())))
            .Where(x => x.Function is not null)
            .Select(x => new FunctionDescriptor(
                x.Function!.Name,
                x.Type,
                x.Method,
                x.Method.GetParameters()
                    .SelectMany(p => p.GetCustomAttributes())
                    .FirstOrDefault(a => a is HttpTriggerAttribute or QueueTriggerAttribute or TimerTriggerAttribute)
                    ?? throw new InvalidOperationException($"Function {x.Function.Name} has no trigger the local runtime supports (HTTP, queue, timer).")))
            .ToList();

    /// <summary>
    /// Calls the function: a new instance from DI per invocation (as the host does), each
    /// parameter from <paramref name="bind"/>, and the returned task awaited.
    /// </summary>
    public async Task<object?> InvokeAsync(IServiceProvider services, Func<ParameterInfo, object?> bind)
    {
        var target = Method.IsStatic ? null : ActivatorUtilities.CreateInstance(services, Class);
        var arguments = Method.GetParameters().Select(bind).ToArray();
        object? returned;
        try
        {
            returned = Method.Invoke(target, arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }

        if (returned is Task task)
        {
            await task;
            var type = task.GetType();
            return type.IsGenericType && type.GetProperty("Result") is { } result && result.PropertyType.Name != "VoidTaskResult"
                ? result.GetValue(task)
                : null;
        }

        return returned;
    }

    /// <summary>Resolves "%SETTING%" the way the Functions host does for trigger properties.</summary>
    public static string ResolveSetting(string value, IConfiguration configuration)
    {
        if (value.Length > 2 && value[0] == '%' && value[^1] == '%')
        {
            var name = value[1..^1];
            return configuration[name] ?? throw new InvalidOperationException($"The setting '{name}' is not configured.");
        }

        return value;
    }
}

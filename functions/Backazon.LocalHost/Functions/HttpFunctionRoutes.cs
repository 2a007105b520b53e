using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.Azure.Functions.Worker;

namespace Backazon.LocalHost.Functions;

/// <summary>Maps each HTTP-triggered function to its route under the "api" prefix, as the
/// Functions host does (host.json extensions.http.routePrefix).</summary>
public static class HttpFunctionRoutes
{
    public const string RoutePrefix = "api";

    public static void MapHttpFunctions(this WebApplication app, IEnumerable<FunctionDescriptor> functions)
    {
        foreach (var function in functions)
        {
            if (function.Trigger is not HttpTriggerAttribute trigger)
            {
                continue;
            }

            var route = $"/{RoutePrefix}/{trigger.Route ?? function.Name}";
            var methods = (trigger.Methods ?? ["get", "post"]).Select(m => m.ToUpperInvariant()).ToArray();
            app.MapMethods(route, methods, context => InvokeAsync(function, context)).WithDisplayName(function.Name);
        }
    }

    private static async Task InvokeAsync(FunctionDescriptor function, HttpContext context)
    {
        var result = await function.InvokeAsync(context.RequestServices, parameter => Bind(parameter, context));
        switch (result)
        {
            case IActionResult action:
                await action.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
                break;
            case null:
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                break;
            default:
                await context.Response.WriteAsJsonAsync(result, result.GetType());
                break;
        }
    }

    private static object? Bind(System.Reflection.ParameterInfo parameter, HttpContext context)
    {
        if (parameter.ParameterType == typeof(HttpRequest))
        {
            return context.Request;
        }

        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return context.RequestAborted;
        }

        if (context.Request.RouteValues.TryGetValue(parameter.Name!, out var value) && value is not null)
        {
            return TypeDescriptor.GetConverter(parameter.ParameterType).ConvertFromInvariantString(value.ToString()!);
        }

        return parameter.HasDefaultValue
            ? parameter.DefaultValue
            : throw new InvalidOperationException($"The local runtime cannot bind parameter '{parameter.Name}' of an HTTP function.");
    }
}

using Backazon.Contracts;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Backazon.Functions;

public sealed class HealthFunctions
{
    private static readonly string Version =
        typeof(HealthFunctions).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    /// <summary>Liveness, no auth: says the app runs, nothing about anyone's data.</summary>
    [Function(nameof(Health))]
    public IActionResult Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request) =>
        new OkObjectResult(new HealthView("ok", Version));
}

using Backazon.LocalHost;

// dotnet run --project functions/Backazon.LocalHost [-- --port 7071 --data DIR]
await using var app = await LocalBackend.BuildAsync(args);
await app.RunAsync();

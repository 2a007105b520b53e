using Backazon.LocalHost;

// dotnet run --project functions/Backazon.LocalHost [-- --port 7071 --data DIR]
return await LocalBackend.RunAsync(args, Console.Error);

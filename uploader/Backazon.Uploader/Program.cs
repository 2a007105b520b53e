using Backazon.Uploader;
using Backazon.Uploader.Cli;
using Backazon.Uploader.Commands;
using Backazon.Uploader.Configuration;

return await BackazonCli.InvokeAsync(args, new CliContext(Console.Out, Console.Error, ConfigFolder.Default()));

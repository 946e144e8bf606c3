using System.CommandLine;
using Engagement.Load.Commands;

var root = new RootCommand("Engagement load generator: loads a local engine over gRPC and measures the ceilings beside it.")
{
    RunCommand.Create(),
    BaselineServerCommand.Create(),
    StoreCeilingCommand.Create(),
    ServePostgresCommand.Create(),
    SilenceLatenessCommand.Create(),
    HeapCommand.Create(),
};
// On Ctrl+C or SIGTERM a command gets time to clean up (serve-postgres stops its server and deletes its folder).
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(60) });

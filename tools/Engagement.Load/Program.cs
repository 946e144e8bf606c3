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
return await root.Parse(args).InvokeAsync();

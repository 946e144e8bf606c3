using System.CommandLine;
using Engagement.Cli;

var root = new RootCommand("Engagement command-line tools.")
{
    FitCommand.Create(),
    EngineCommands.Submit(),
    EngineCommands.Card(),
    EngineCommands.Watch(),
    ReplayCommand.Create(),
    RefitCommand.Create(),
    SimulateCommand.Create(),
};
return await root.Parse(args).InvokeAsync();

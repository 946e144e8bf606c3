using System.CommandLine;
using Engagement.Cli;

var root = new RootCommand("Engagement command-line tools.") { FitCommand.Create() };
return root.Parse(args).Invoke();

using System.CommandLine;
using Engagement.Feeds;
using Engagement.Feeds.Simulation;

namespace Engagement.Cli;

/// <summary>
/// <c>simulate [--customers N] [--rate EVENTS_PER_S] [--duration S] [--target URL]</c>: synthetic channels for N
/// customers into a running engine through the public gRPC ingest (role <c>channel</c>): each customer's recent
/// history first, then live events at the given rate, until the duration is over or Ctrl+C.
/// </summary>
public static class SimulateCommand
{
    public static Command Create()
    {
        var connection = new EngineConnection();
        var customers = new Option<int>("--customers") { Description = "Simulated customers.", DefaultValueFactory = _ => 500 };
        customers.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 1_000_000) result.AddError("--customers must be between 1 and 1,000,000.");
        });
        var rate = new Option<double>("--rate") { Description = "Live events per second (after the customers' history).", DefaultValueFactory = _ => 50 };
        rate.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is var value && (value <= 0 || !double.IsFinite(value))) result.AddError("--rate must be more than 0.");
        });
        var duration = new Option<double?>("--duration") { Description = "Stop after this many seconds (default: run until Ctrl+C)." };
        duration.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double?>() is <= 0) result.AddError("--duration must be more than 0.");
        });
        var command = new Command("simulate", "Feed a running engine with synthetic channels: every event type, for simulated customers.") { customers, rate, duration };
        connection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (parse.GetValue(duration) is { } seconds) stop.CancelAfter(TimeSpan.FromSeconds(seconds));
            var simulator = new ChannelSimulator(new SimulationOptions { Customers = parse.GetValue(customers) }, TimeProvider.System);
            return await FeedDisplay.RunAsync("simulate", connection, parse, simulator, new FeedPace(parse.GetValue(rate), TimeProvider.System), stop.Token);
        });
        return command;
    }
}

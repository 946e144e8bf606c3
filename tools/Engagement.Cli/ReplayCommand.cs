using System.CommandLine;
using Engagement.Feeds;
using Engagement.Feeds.Replay;

namespace Engagement.Cli;

/// <summary>
/// <c>replay &lt;file&gt; [--speed N] [--until yyyy-mm-dd] [--rebase] [--target URL]</c>: streams a CDNOW-format transaction
/// file into a running engine through the public gRPC ingest, like any channel (role <c>channel</c>), in
/// event-time order, with a progress bar. Event ids are derived from the file and line, so a replay
/// that is run again is counted as duplicates, not applied twice.
/// </summary>
public static class ReplayCommand
{
    public static Command Create()
    {
        var connection = new EngineConnection();
        var file = new Argument<FileInfo>("transactions-file") { Description = "CDNOW-format transactions (customer id, yyyymmdd, units, amount)." };
        var speed = new Option<double>("--speed")
        {
            Description = "Days of data per second of replay (0: as fast as the engine acknowledges).",
            DefaultValueFactory = _ => 0,
        };
        speed.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is var value && (value < 0 || !double.IsFinite(value))) result.AddError("--speed must be 0 or more.");
        });
        var until = new Option<DateOnly?>("--until") { Description = "Replay transactions up to and including this day only." };
        var prefix = new Option<string>("--customer-prefix")
        {
            Description = "Prefix of the engine's customer ids (the file's ids follow it).",
            DefaultValueFactory = _ => "cdnow-",
        };
        var rebase = new Option<bool>("--rebase")
        {
            Description = "Shift every date so that the last replayed day is today: the customers read as a live business, not as 1997's.",
        };
        var command = new Command("replay", "Stream a CDNOW-format transaction file into a running engine as purchase events.") { file, speed, until, prefix, rebase };
        connection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                await Console.Error.WriteLineAsync($"replay: file not found: {path.FullName}");
                return 1;
            }
            ReplayPlan plan;
            try
            {
                plan = ReplayPlan.Load(path.FullName, new ReplayOptions
                {
                    Until = parse.GetValue(until),
                    CustomerPrefix = parse.GetValue(prefix)!,
                    RebaseTo = parse.GetValue(rebase) ? DateTimeOffset.UtcNow : null,
                });
            }
            catch (FormatException ex)
            {
                await Console.Error.WriteLineAsync($"replay: {ex.Message}");
                return 1;
            }
            if (plan.Total == 0)
            {
                await Console.Error.WriteLineAsync("replay: no transactions to send.");
                return 1;
            }
            if (plan.RebaseDays != 0)
            {
                Console.WriteLine($"rebased by {plan.RebaseDays} days: {plan.FirstDay:yyyy-MM-dd}..{plan.LastDay:yyyy-MM-dd} is replayed as {plan.FirstDay.AddDays(plan.RebaseDays):yyyy-MM-dd}..{plan.LastDay.AddDays(plan.RebaseDays):yyyy-MM-dd}");
            }
            return await FeedDisplay.RunAsync("replay", connection, parse, plan, new FeedPace(parse.GetValue(speed), TimeProvider.System), cancellationToken);
        });
        return command;
    }
}

using System.CommandLine;
using Engagement.Feeds;
using Engagement.Feeds.Replay;

namespace Engagement.Cli;

/// <summary>
/// <c>replay &lt;file&gt; [--speed N] [--until yyyy-mm-dd] [--rebase] [--target URL]</c>: streams a CDNOW-format transaction
/// file into a running engine through the public gRPC ingest, like any channel (role <c>channel</c>), in
/// event-time order, with a progress bar, as a backfill (no alert about the past), then the closing check of every
/// customer it fed (the alerts true at the end). Event ids are derived from each transaction's content, so a replay run
/// again, or of another file with the same transactions, is counted as duplicates, not applied twice.
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
            var fed = await FeedDisplay.RunAsync("replay", connection, parse, plan, new FeedPace(parse.GetValue(speed), TimeProvider.System), cancellationToken);
            return fed == 1 ? fed : Math.Max(fed, await CheckCustomersAsync(connection, parse, plan));
        });
        return command;
    }

    /// <summary>Customers per closing-check call: within any sane ingest limit of events per batch.</summary>
    private const int CheckChunk = 50;

    /// <summary>
    /// The replay's closing check: its batches were a backfill, which raises no alert about the past; each customer it
    /// fed now raises what is true at the end. Run after a stop too, for what was fed until then.
    /// </summary>
    private static async Task<int> CheckCustomersAsync(EngineConnection connection, ParseResult parse, ReplayPlan plan)
    {
        var customers = plan.Customers.ToList();
        Console.WriteLine($"closing check of {customers.Count:N0} customers ...");
        try
        {
            var invoker = connection.Open(parse, "channel", out var channel);
            using (channel)
            {
                var ingest = new Contracts.V1.Ingest.IngestClient(invoker);
                foreach (var chunk in customers.Chunk(CheckChunk))
                {
                    await ingest.CheckCustomersAsync(new Contracts.V1.CheckCustomersRequest { CustomerIds = { chunk } });
                }
            }
        }
        catch (Exception ex) when (ex is Grpc.Core.RpcException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"replay: closing check: {(ex is Grpc.Core.RpcException rpc ? $"engine: {rpc.StatusCode}: {rpc.Status.Detail}" : ex.Message)}");
            return 1;
        }
        Console.WriteLine($"checked {customers.Count:N0} customers: the alerts open now are what is true at the end of the replay");
        return 0;
    }
}

using System.CommandLine;
using System.Diagnostics;
using Engagement.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Spectre.Console;

namespace Engagement.Cli;

/// <summary>
/// <c>replay &lt;file&gt; [--speed N] [--until yyyy-mm-dd] [--target URL]</c>: streams a CDNOW-format transaction
/// file into a running engine through the public gRPC ingest, like any channel (role <c>channel</c>), in
/// event-time order, with a progress bar. Event ids are derived from the file and line, so a replay
/// that is run again is counted as duplicates, not applied twice.
/// </summary>
public static class ReplayCommand
{
    private const int BatchSize = 500;

    public static Command Create()
    {
        var connection = new EngineConnection();
        var file = new Argument<FileInfo>("transactions-file") { Description = "CDNOW-format transactions (customer id, yyyymmdd, units, amount)." };
        var speed = new Option<double>("--speed")
        {
            Description = "Days of data per second of replay (0: as fast as the engine acknowledges).",
            DefaultValueFactory = _ => 0,
        };
        var until = new Option<DateOnly?>("--until") { Description = "Replay transactions up to and including this day only." };
        var prefix = new Option<string>("--customer-prefix")
        {
            Description = "Prefix of the engine's customer ids (the file's ids follow it).",
            DefaultValueFactory = _ => "cdnow-",
        };
        var command = new Command("replay", "Stream a CDNOW-format transaction file into a running engine as purchase events.") { file, speed, until, prefix };
        connection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                await Console.Error.WriteLineAsync($"replay: file not found: {path.FullName}");
                return 1;
            }
            try
            {
                var invoker = connection.Open(parse, "channel", out var channel);
                using (channel)
                {
                    return await ReplayAsync(new Ingest.IngestClient(invoker), path, parse.GetValue(speed), parse.GetValue(until),
                        parse.GetValue(prefix)!, cancellationToken);
                }
            }
            catch (Exception ex) when (ex is RpcException or InvalidOperationException)
            {
                await Console.Error.WriteLineAsync($"replay: {ex.Message}");
                return 1;
            }
        });
        return command;
    }

    private static async Task<int> ReplayAsync(Ingest.IngestClient ingest, FileInfo file, double speed, DateOnly? until, string prefix, CancellationToken cancellationToken)
    {
        var rows = TransactionFile.Read(file.FullName)
            .Select((t, line) => (Transaction: t, Line: line))
            .Where(r => until is null || r.Transaction.Date <= until)
            .OrderBy(r => r.Transaction.Date)
            .ToList();
        if (rows.Count == 0)
        {
            await Console.Error.WriteLineAsync("replay: no transactions to send.");
            return 1;
        }

        var firstDay = rows[0].Transaction.Date;
        var source = Path.GetFileNameWithoutExtension(file.Name);
        long accepted = 0, duplicates = 0, rejected = 0;
        var clock = Stopwatch.StartNew();
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var progress = context.AddTask($"replaying {file.Name}", maxValue: rows.Count);
                using var call = ingest.Stream(cancellationToken: cancellationToken);
                var acks = Task.Run(async () =>
                {
                    await foreach (var ack in call.ResponseStream.ReadAllAsync(cancellationToken))
                    {
                        accepted += ack.Accepted;
                        duplicates += ack.Duplicates;
                        rejected += ack.Rejected.Count;
                        progress.Increment(ack.Accepted + ack.Duplicates + ack.Rejected.Count);
                        foreach (var r in ack.Rejected.Take(3)) AnsiConsole.MarkupLineInterpolated($"[yellow]rejected[/] {r.EventId}: {r.Field} {r.Reason}");
                    }
                }, cancellationToken);

                foreach (var chunk in rows.Chunk(BatchSize))
                {
                    if (speed > 0)
                    {
                        // Time compressed: the batch goes out when the replay clock reaches its first day.
                        var due = TimeSpan.FromSeconds((chunk[0].Transaction.Date.DayNumber - firstDay.DayNumber) / speed);
                        if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed, cancellationToken);
                    }
                    var batch = new EventBatch { BatchId = $"{source}-{chunk[0].Line}" };
                    batch.Events.AddRange(chunk.Select(r => Purchase(r.Transaction, r.Line, source, prefix)));
                    await call.RequestStream.WriteAsync(batch, cancellationToken);
                }
                await call.RequestStream.CompleteAsync();
                await acks;
            });

        AnsiConsole.MarkupLineInterpolated($"[green]{accepted}[/] accepted, {duplicates} duplicates, {rejected} rejected in {clock.Elapsed.TotalSeconds:0.0} s");
        return rejected == 0 ? 0 : 2;
    }

    private static Event Purchase(Transaction transaction, int line, string source, string prefix) => new()
    {
        EventId = $"{source}-{line}",
        CustomerId = prefix + transaction.CustomerId,
        Channel = "store",
        // Noon UTC: the purchase's calendar day stays the file's day in any time zone within ±11 h.
        OccurredAt = Timestamp.FromDateTime(transaction.Date.ToDateTime(new TimeOnly(12, 0), DateTimeKind.Utc)),
        Purchase = new Purchase { Amount = (double)transaction.Amount, Currency = "USD", OrderId = $"{source}-{line}" },
    };
}

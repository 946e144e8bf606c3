using System.CommandLine;
using System.Diagnostics;
using Engagement.Contracts.V1;
using Engagement.Feeds;
using Grpc.Core;
using Spectre.Console;

namespace Engagement.Cli;

/// <summary>
/// Runs a feed (replay or simulator) into a running engine with the channel role, with a live progress line: a
/// bar when the feed knows its total, the counts the engine acknowledged either way. Ctrl+C stops the feed; what
/// was sent is still acknowledged before the summary.
/// </summary>
public static class FeedDisplay
{
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(200);

    public static async Task<int> RunAsync(string command, EngineConnection connection, ParseResult parse, IFeedSource source, FeedPace pace,
        CancellationToken stop)
    {
        var progress = new FeedProgress();
        var elapsed = Stopwatch.StartNew();
        FeedOutcome outcome;
        try
        {
            var invoker = connection.Open(parse, "channel", out var channel);
            using (channel)
            {
                outcome = await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .StartAsync(async context =>
                    {
                        var task = context.AddTask(Describe(source, progress), maxValue: source.Total ?? 1);
                        task.IsIndeterminate = source.Total is null;
                        var running = FeedRunner.RunAsync(new Ingest.IngestClient(invoker), source, pace, progress, stop);
                        while (!running.IsCompleted)
                        {
                            await Task.WhenAny(running, Task.Delay(Refresh, CancellationToken.None));
                            task.Description = Describe(source, progress);
                            if (source.Total is not null) task.Value = progress.Acknowledged;
                        }
                        return await running;
                    });
            }
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"{command}: {(ex is RpcException rpc ? $"engine: {rpc.StatusCode}: {rpc.Status.Detail}" : ex.Message)}");
            return 1;
        }

        if (progress.FirstRejection is { } rejection)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]rejected[/] {rejection.EventId}: {rejection.Field} {rejection.Reason} (the first of {progress.Rejected})");
        }
        var ended = outcome == FeedOutcome.Stopped ? "stopped after" : "in";
        AnsiConsole.MarkupLineInterpolated(
            $"[green]{progress.Accepted}[/] accepted, {progress.Duplicates} duplicates, {progress.Rejected} rejected of {progress.Sent} sent {ended} {elapsed.Elapsed.TotalSeconds:0.0} s");
        return progress.Rejected == 0 ? 0 : 2;
    }

    private static string Describe(IFeedSource source, FeedProgress progress) => Markup.Escape(
        $"{source.Source}{(progress.DataDay is { } day ? $" {day:yyyy-MM-dd}" : "")}  sent {progress.Sent:N0}  accepted {progress.Accepted:N0}  duplicates {progress.Duplicates:N0}  rejected {progress.Rejected:N0}");
}

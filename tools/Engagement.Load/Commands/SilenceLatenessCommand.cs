using System.CommandLine;
using System.Globalization;
using Engagement.Load.Run;
using Engagement.Load.Silence;
using Grpc.Core;
using Spectre.Console;

namespace Engagement.Load.Commands;

/// <summary><c>silence-lateness</c>: how late the engine raises alerts whose only cause is time passing.</summary>
public static class SilenceLatenessCommand
{
    public static Command Create()
    {
        var target = new Option<Uri>("--target") { Description = "The engine's gRPC endpoint (loopback only).", DefaultValueFactory = _ => new Uri("http://127.0.0.1:5081"), CustomParser = OptionParsers.Loopback };
        var keysFile = new Option<FileInfo>("--keys-file") { Description = "The engine's keys file (channel and supervisor keys).", DefaultValueFactory = _ => new FileInfo(Path.Combine("data", "keys.json")) };
        var key = new Option<string?>("--key") { Description = "The channel key to ingest with (default: from the keys file)." };
        var supervisorKey = new Option<string?>("--supervisor-key") { Description = "The supervisor key to follow alerts with (default: from the keys file)." };
        var customers = new Option<int>("--customers") { Description = "Scheduled customers: each opens one complaint that becomes overdue inside the window.", DefaultValueFactory = _ => 1_000 };
        var window = new Option<TimeSpan>("--window") { Description = "Due times are spread uniformly over this window (e.g. 60s).", DefaultValueFactory = _ => TimeSpan.FromSeconds(60), CustomParser = r => OptionParsers.Duration(r) };
        var lead = new Option<TimeSpan>("--lead") { Description = "The window starts this long after the run starts; seeding must finish within it.", DefaultValueFactory = _ => TimeSpan.FromSeconds(30), CustomParser = r => OptionParsers.Duration(r) };
        var grace = new Option<TimeSpan>("--grace") { Description = "How long after the window to wait for missing alerts.", DefaultValueFactory = _ => TimeSpan.FromSeconds(60), CustomParser = r => OptionParsers.Duration(r) };
        var overdue = new Option<double>("--overdue-days") { Description = "The engine's Engagement:Rules:Satisfaction:ComplaintOverdueDays.", DefaultValueFactory = _ => 7 };
        var streams = new Option<int>("--streams") { Description = "Ingest.Stream calls that seed the complaints.", DefaultValueFactory = _ => 4 };
        var batch = new Option<int>("--batch") { Description = "Events per batch.", DefaultValueFactory = _ => 500 };
        var inFlight = new Option<int>("--in-flight") { Description = "Unacknowledged batches per stream.", DefaultValueFactory = _ => 8 };
        var prefix = new Option<string>("--customer-prefix") { Description = "Customer ids are this prefix, a run id and a number (fresh every run).", DefaultValueFactory = _ => "silence-" };
        var seed = new Option<int>("--seed") { Description = "Random seed of the due times.", DefaultValueFactory = _ => 1 };
        var json = new Option<FileInfo?>("--json") { Description = "Write the report to this JSON file." };

        var command = new Command("silence-lateness", "Schedule complaints that become overdue over a window and measure how late their escalation alerts are raised and pushed.")
        {
            target, keysFile, key, supervisorKey, customers, window, lead, grace, overdue, streams, batch, inFlight, prefix, seed, json,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            SilenceSettings settings;
            EngineEndpoint engine;
            try
            {
                settings = new SilenceSettings(
                    parse.GetValue(target)!, parse.GetValue(customers), parse.GetValue(window), parse.GetValue(lead), parse.GetValue(grace),
                    TimeSpan.FromDays(parse.GetValue(overdue)), parse.GetValue(streams), parse.GetValue(batch), parse.GetValue(inFlight),
                    parse.GetValue(prefix)!, parse.GetValue(seed));
                Check(settings);
                engine = EngineEndpoint.Resolve(settings.Target, parse.GetValue(key), null, parse.GetValue(keysFile)!, parse.GetValue(supervisorKey));
            }
            catch (Exception ex) when (ex is FormatException or InvalidOperationException or IOException or System.Text.Json.JsonException)
            {
                await Console.Error.WriteLineAsync($"silence-lateness: {ex.Message}");
                return 2;
            }

            SilenceReport report;
            try
            {
                report = await new SilenceLatenessRun(settings, engine, Console.Out).ExecuteAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is RpcException or TimeoutException or InvalidOperationException or HttpRequestException)
            {
                await Console.Error.WriteLineAsync($"silence-lateness: {(ex is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : ex.Message)}");
                return 1;
            }

            Print(report);
            if (parse.GetValue(json) is { } file) await ReportOutput.WriteJsonAsync(report, file, cancellationToken);
            return report.Complete ? 0 : 3;
        });
        return command;
    }

    private static void Print(SilenceReport report)
    {
        var table = new Table().Title("silence lateness").AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("scheduled customers", $"{report.Customers:N0}");
        table.AddRow("seeded in", string.Create(CultureInfo.InvariantCulture, $"{report.SeedSeconds:0.0} s (lead {report.LeadSeconds:0} s)"));
        table.AddRow("acknowledged / rejected", $"{report.Acknowledged:N0} / {report.Rejected:N0}");
        table.AddRow("seeded after their due time (left out of lateness)", $"{report.SeededAfterDue:N0}");
        table.AddRow("escalations received / expected", $"{report.ReceivedAlerts:N0} / {report.ExpectedAlerts:N0}");
        table.AddRow("other alerts seen", $"{report.OtherAlerts:N0}");
        table.AddRow("watch resumed after falling behind", $"{report.WatchResumed:N0}");
        AddLatency(table, "lateness raised_at − due", report.RaisedLateness);
        AddLatency(table, "lateness received − due", report.ReceivedLateness);
        table.AddRow("complete", report.Complete ? "[green]yes[/]" : "[red]NO: alerts missing[/]");
        AnsiConsole.Write(table);
        foreach (var problem in report.Problems) AnsiConsole.MarkupLine($"[red]{Markup.Escape(problem)}[/]");
    }

    private static void AddLatency(Table table, string name, Percentiles? p) =>
        table.AddRow(name, p is null
            ? "no samples"
            : string.Create(CultureInfo.InvariantCulture, $"p50 {p.P50Ms:0} ms  p99 {p.P99Ms:0} ms  p99.9 {p.P999Ms:0} ms  max {p.MaxMs:0} ms  min {p.MinMs:0} ms  ({p.Samples:N0})"));

    private static void Check(SilenceSettings settings)
    {
        var problems = new List<string>();
        if (settings.Customers is < 1 or > 10_000_000) problems.Add("--customers must be 1..10,000,000");
        if (settings.Window <= TimeSpan.Zero || settings.Window > TimeSpan.FromHours(1)) problems.Add("--window must be positive and at most 1h");
        if (settings.Lead <= TimeSpan.Zero || settings.Lead > TimeSpan.FromHours(1)) problems.Add("--lead must be positive and at most 1h");
        if (settings.Grace <= TimeSpan.Zero || settings.Grace > TimeSpan.FromHours(1)) problems.Add("--grace must be positive and at most 1h");
        if (settings.OverdueAfter <= TimeSpan.Zero) problems.Add("--overdue-days must be positive");
        if (settings.Streams is < 1 or > 64) problems.Add("--streams must be 1..64");
        if (settings.BatchSize is < 1 or > 100_000) problems.Add("--batch must be 1..100,000");
        if (settings.InFlight is < 1 or > 1024) problems.Add("--in-flight must be 1..1024");
        if (problems.Count > 0) throw new FormatException(string.Join("; ", problems));
    }
}

using System.CommandLine;
using System.Globalization;
using Engagement.Feeds;
using Engagement.Load.Run;
using Engagement.Load.Workload;
using Grpc.Core;
using Spectre.Console;

namespace Engagement.Load.Commands;

/// <summary><c>run</c>: loads a running engine (or the baseline server) over gRPC ingest streams and reports.</summary>
public static class RunCommand
{
    private static readonly TimeSpan CountRunLimit = TimeSpan.FromMinutes(10);

    public static Command Create()
    {
        var target = new Option<Uri>("--target") { Description = "The engine's gRPC endpoint (loopback only).", DefaultValueFactory = _ => new Uri("http://127.0.0.1:5081"), CustomParser = OptionParsers.Loopback };
        var keysFile = new Option<FileInfo>("--keys-file") { Description = "The engine's keys file (channel and agent keys).", DefaultValueFactory = _ => new FileInfo(Path.Combine("data", "keys.json")) };
        var key = new Option<string?>("--key") { Description = "The channel key to ingest with (default: from the keys file)." };
        var agentKey = new Option<string?>("--agent-key") { Description = "The agent key to watch with (default: from the keys file)." };
        var streams = new Option<int>("--streams") { Description = "Concurrent Ingest.Stream calls, each on its own connection.", DefaultValueFactory = _ => 4 };
        var customers = new Option<int>("--customers") { Description = "How many distinct customers the events are spread over.", DefaultValueFactory = _ => 10_000 };
        var skew = new Option<CustomerSkew>("--skew") { Description = "Customer popularity: uniform or zipf.", DefaultValueFactory = _ => CustomerSkew.Uniform };
        var zipf = new Option<double>("--zipf-s") { Description = "Zipf exponent (with --skew zipf).", DefaultValueFactory = _ => 1.0 };
        var rate = new Option<double?>("--rate") { Description = "Events per second over all streams (e.g. 50000 or 50k), or max: as fast as acks allow.", DefaultValueFactory = _ => null, CustomParser = OptionParsers.Rate };
        var duration = new Option<TimeSpan?>("--duration") { Description = "How long to send (e.g. 30s). Default 30s, or up to 10m with --count.", CustomParser = r => OptionParsers.Duration(r) };
        var count = new Option<long?>("--count") { Description = "Send this many events in all, then stop." };
        var batch = new Option<int>("--batch") { Description = "Events per batch.", DefaultValueFactory = _ => 200 };
        var inFlight = new Option<int>("--in-flight") { Description = "Unacknowledged batches per stream.", DefaultValueFactory = _ => 8 };
        var mix = new Option<string>("--mix") { Description = "Event types and weights: default (purchase-heavy, all 12 types) or e.g. purchase=60,visit=40.", DefaultValueFactory = _ => "default" };
        var duplicates = new Option<double>("--duplicates") { Description = "Share of events that re-send an earlier event id (e.g. 1%).", DefaultValueFactory = _ => 0.01, CustomParser = OptionParsers.Fraction };
        var invalid = new Option<double>("--invalid") { Description = "Share of events that break a validation rule (e.g. 1%).", DefaultValueFactory = _ => 0.01, CustomParser = OptionParsers.Fraction };
        var web = new Option<Uri>("--web") { Description = "The engine's web endpoint, where the SignalR hubs are (loopback only).", DefaultValueFactory = _ => new Uri("http://127.0.0.1:5080"), CustomParser = OptionParsers.Loopback };
        var push = new Option<PushTransport>("--push") { Description = "How the watched customers' cards are followed: signalr (the agent hub, as a browser) or grpc (Customers.Watch).", DefaultValueFactory = _ => PushTransport.SignalR };
        var watch = new Option<int>("--watch") { Description = "Customers to watch for event-to-push latency (0: none).", DefaultValueFactory = _ => 50 };
        var prefix = new Option<string>("--customer-prefix") { Description = "Customer ids are this prefix and a number.", DefaultValueFactory = _ => "load-" };
        var seed = new Option<int>("--seed") { Description = "Random seed of the workload.", DefaultValueFactory = _ => 1 };
        var enginePids = new Option<int[]>("--engine-pid") { Description = "An engine process (repeat for a silo and a gateway): its CPU, with its children's, over the run, per acknowledged event." };
        var storePids = new Option<int[]>("--store-pid") { Description = "A store process (repeatable; PostgreSQL's postmaster, with its backends): its CPU beside the engine's." };
        var json = new Option<FileInfo?>("--json") { Description = "Write the report to this JSON file." };

        var command = new Command("run", "Load an engine over gRPC ingest streams; report throughput, ack and push latency, and check the counts.")
        {
            target, web, keysFile, key, agentKey, push, streams, customers, skew, zipf, rate, duration, count, batch, inFlight, mix, duplicates, invalid, watch, prefix, seed, enginePids, storePids, json,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            LoadSettings settings;
            EngineEndpoint engine;
            try
            {
                var eventCount = parse.GetValue(count);
                settings = new LoadSettings
                {
                    Target = parse.GetValue(target)!,
                    Streams = parse.GetValue(streams),
                    Customers = parse.GetValue(customers),
                    Skew = parse.GetValue(skew),
                    ZipfExponent = parse.GetValue(zipf),
                    Rate = parse.GetValue(rate) is { } perSecond && double.IsFinite(perSecond) ? perSecond : null,
                    Duration = parse.GetValue(duration) ?? (eventCount is null ? TimeSpan.FromSeconds(30) : CountRunLimit),
                    Count = eventCount,
                    BatchSize = parse.GetValue(batch),
                    InFlight = parse.GetValue(inFlight),
                    Mix = EventMix.Parse(parse.GetValue(mix)!),
                    DuplicateRate = parse.GetValue(duplicates),
                    InvalidRate = parse.GetValue(invalid),
                    Watch = parse.GetValue(watch),
                    Push = parse.GetValue(push),
                    Web = parse.GetValue(web)!,
                    CustomerPrefix = parse.GetValue(prefix)!,
                    Seed = parse.GetValue(seed),
                    EnginePids = parse.GetValue(enginePids) ?? [],
                    StorePids = parse.GetValue(storePids) ?? [],
                };
                Check(settings);
                engine = EngineEndpoint.Resolve(settings.Target, parse.GetValue(key), parse.GetValue(agentKey), parse.GetValue(keysFile)!);
            }
            catch (Exception ex) when (ex is FormatException or InvalidOperationException or IOException or System.Text.Json.JsonException)
            {
                await Console.Error.WriteLineAsync($"run: {ex.Message}");
                return 2;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"loading {settings.Target}: {settings.Streams} streams, {settings.Customers:N0} customers ({settings.Skew}), rate {(settings.Rate is { } r ? $"{r:N0}/s" : "max")}, " +
                $"{(settings.Count is { } c ? $"{c:N0} events" : $"{settings.Duration.TotalSeconds:0} s")}, batches of {settings.BatchSize}, {settings.DuplicateRate:P1} duplicates, {settings.InvalidRate:P1} invalid"));
            LoadReport report;
            try
            {
                report = await new LoadRun(settings, engine, Console.Out).ExecuteAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is RpcException or TimeoutException or InvalidOperationException or HttpRequestException)
            {
                await Console.Error.WriteLineAsync($"run: {(ex is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : ex.Message)}");
                return 1;
            }

            ReportOutput.Print(report);
            if (parse.GetValue(json) is { } file) await ReportOutput.WriteJsonAsync(report, file, cancellationToken);
            return report.Check.Passed ? 0 : 3;
        });
        return command;
    }

    // Checked once the values are bound: command validators see no defaults yet.
    private static void Check(LoadSettings settings)
    {
        var problems = new List<string>();
        if (settings.Streams is < 1 or > 256) problems.Add("--streams must be 1..256");
        if (settings.Customers is < 1 or > 50_000_000) problems.Add("--customers must be 1..50,000,000");
        if (settings.BatchSize is < 1 or > 100_000) problems.Add("--batch must be 1..100,000");
        if (settings.InFlight is < 1 or > 1024) problems.Add("--in-flight must be 1..1024");
        if (settings.Watch is < 0 or > 10_000) problems.Add("--watch must be 0..10,000");
        if (settings.Count is <= 0) problems.Add("--count must be positive");
        if (settings.DuplicateRate + settings.InvalidRate > 0.5) problems.Add("--duplicates and --invalid together must stay under 50%");
        if ((settings.EnginePids.Count > 0 || settings.StorePids.Count > 0) && !Directory.Exists("/proc/self")) problems.Add("--engine-pid and --store-pid read /proc: Linux only");
        else problems.AddRange(CpuMeter.Missing("--engine-pid", settings.EnginePids).Concat(CpuMeter.Missing("--store-pid", settings.StorePids)));
        if (problems.Count > 0) throw new FormatException(string.Join("; ", problems));
    }
}

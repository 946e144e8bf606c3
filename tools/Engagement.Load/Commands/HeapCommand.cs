using System.CommandLine;
using Engagement.Load.Memory;
using Spectre.Console;

namespace Engagement.Load.Commands;

/// <summary><c>heap</c>: the live managed heap of a running engine after a full collection, by type, and per customer.</summary>
public static class HeapCommand
{
    public static Command Create()
    {
        var pid = new Option<int>("--pid") { Description = "The engine's process id (the embedded gateway, or a silo).", Required = true };
        var top = new Option<int>("--top") { Description = "How many types to list, largest first.", DefaultValueFactory = _ => 25 };
        var sample = new Option<int>("--state-sample") { Description = "Customers whose state is measured object by object.", DefaultValueFactory = _ => 2000 };
        var json = new Option<FileInfo?>("--json") { Description = "Write the report to this JSON file." };
        var command = new Command("heap", "Induce a full collection in a running engine and count its live heap by type and per active customer.")
        {
            pid, top, sample, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var processId = parse.GetValue(pid);
            if (!File.Exists($"/proc/{processId}/status"))
            {
                await Console.Error.WriteLineAsync($"heap: no process {processId}");
                return 2;
            }
            var report = await new HeapCensus(processId).RunAsync(parse.GetValue(top), parse.GetValue(sample), Console.Out, cancellationToken);
            Print(report);
            if (parse.GetValue(json) is { } file) await ReportOutput.WriteJsonAsync(report, file, cancellationToken);
            return 0;
        });
        return command;
    }

    private static void Print(HeapReport report)
    {
        static string MiB(double bytes) => $"{bytes / 1048576.0:N1} MiB";
        var customers = report.Markers["Engagement.Grains.Customers.CustomerGrain"];
        var summary = new Table().Title("heap after a full collection").AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
        summary.AddRow("live heap (GC event) / objects read", $"{MiB(report.Collection.HeapBytes)} / {MiB(report.ObjectBytes)} in {report.ObjectCount:N0} objects");
        summary.AddRow("collection (start to heap statistics)", $"{report.Collection.DurationMilliseconds:N0} ms (gen {report.Collection.Generation})");
        summary.AddRow("RSS before / after", $"{MiB(report.ResidentBytesBefore)} / {MiB(report.ResidentBytesAfter)}");
        foreach (var (type, count) in report.Markers) summary.AddRow(type, $"{count:N0}");
        summary.AddRow("state per customer", $"{report.StateBytes:N0} B ({report.StatesSampled:N0} sampled)");
        if (customers > 0) summary.AddRow("live heap per active customer", $"{(double)report.Collection.HeapBytes / customers:N0} B (includes the engine's fixed heap)");
        AnsiConsole.Write(summary);

        var types = new Table().Title("largest types").AddColumn("type").AddColumn(new TableColumn("objects").RightAligned())
            .AddColumn(new TableColumn("bytes").RightAligned()).AddColumn(new TableColumn("per customer").RightAligned());
        foreach (var t in report.TopTypes)
        {
            types.AddRow(Markup.Escape(t.Name.Length > 90 ? t.Name[..90] + "…" : t.Name), $"{t.Count:N0}", $"{t.Bytes:N0}",
                customers > 0 ? $"{(double)t.Bytes / customers:N0} B" : "");
        }
        AnsiConsole.Write(types);
    }
}

using System.Globalization;
using System.Text.Json;
using Engagement.Load.Run;
using Spectre.Console;

namespace Engagement.Load.Commands;

/// <summary>The end of a command: a summary table on the console and, on request, the same as JSON.</summary>
public static class ReportOutput
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public static async Task WriteJsonAsync<T>(T report, FileInfo file, CancellationToken cancellationToken)
    {
        if (file.Directory is { Exists: false } directory) directory.Create();
        await using var stream = file.Create();
        await JsonSerializer.SerializeAsync(stream, report, Json, cancellationToken);
        Console.WriteLine($"report written to {file.FullName}");
    }

    public static void Print(LoadReport report)
    {
        var table = new Table().Title("load run").AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("elapsed", $"{report.ElapsedSeconds:0.0} s");
        table.AddRow("acknowledged events/s", $"{report.AckedEventsPerSecond:N0}");
        table.AddRow("accepted events/s", $"{report.AcceptedEventsPerSecond:N0}");
        table.AddRow("acknowledged batches / events", $"{report.AckedBatches:N0} / {report.AckedEvents:N0}");
        AddCpu(table, "engine", report.EngineCpu);
        AddCpu(table, "store", report.StoreCpu);
        AddLatency(table, "ack latency (batch send → ack)", report.AckLatency);
        if (report.Push is { } push)
        {
            AddLatency(table, $"event → push ({push.Transport} watch)", push.Latency);
            table.AddRow("push: tracked events / never pushed", $"{push.TrackedEvents:N0} / {push.MissingCards:N0}");
        }
        var check = report.Check;
        table.AddRow("sent (fresh / re-sent / invalid)", $"{check.Sent.Accepted:N0} / {check.Sent.Duplicates:N0} / {check.Sent.Rejected:N0}");
        table.AddRow("engine said (accepted / duplicates / rejected)", $"{check.Acknowledged.Accepted:N0} / {check.Acknowledged.Duplicates:N0} / {check.Acknowledged.Rejected:N0}");
        table.AddRow("count check", check.Passed ? "[green]passed[/]" : "[red]FAILED[/]");
        AnsiConsole.Write(table);
        foreach (var problem in check.Problems) AnsiConsole.MarkupLine($"[red]{Markup.Escape(problem)}[/]");
    }

    // Per acknowledged event: every event of an acknowledged batch (accepted, duplicate or rejected), as events/s counts them.
    private static void AddCpu(Table table, string name, CpuReport? cpu)
    {
        if (cpu is null) return;
        var pids = $"pid {string.Join(", ", cpu.Pids)}: {cpu.Processes} process{(cpu.Processes == 1 ? "" : "es")}";
        if (cpu.Problem is { } problem)
        {
            table.AddRow($"{name} CPU ({Markup.Escape(pids)})", $"[red]no figure: {Markup.Escape(problem)}[/]");
            return;
        }
        table.AddRow($"{name} CPU ({Markup.Escape(pids)})", string.Create(CultureInfo.InvariantCulture, $"{cpu.CpuSeconds:0.00} s = {cpu.Cores:0.00} cores"));
        table.AddRow($"{name} CPU per acknowledged event (accepted + duplicates + rejected)",
            cpu.CpuUsPerAckedEvent is { } perEvent ? string.Create(CultureInfo.InvariantCulture, $"{perEvent:N1} µs") : "no events");
    }

    private static void AddLatency(Table table, string name, LatencySummary? latency) =>
        table.AddRow(name, latency is null
            ? "no samples"
            : string.Create(CultureInfo.InvariantCulture, $"p50 {latency.P50Ms:0.0} ms  p99 {latency.P99Ms:0.0} ms  p99.9 {latency.P999Ms:0.0} ms  max {latency.MaxMs:0.0} ms  ({latency.Samples:N0})"));
}

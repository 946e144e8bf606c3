using System.CommandLine;
using Engagement.Storage;
using Engagement.Load.Ceilings;
using Spectre.Console;

namespace Engagement.Load.Commands;

/// <summary><c>store-ceiling</c>: the journal's own grouped append rate on SQLite (a fresh file) or PostgreSQL.</summary>
public static class StoreCeilingCommand
{
    public static Command Create()
    {
        var store = new Option<string>("--store") { Description = "sqlite or postgres.", DefaultValueFactory = _ => "sqlite" };
        store.AcceptOnlyFromAmong("sqlite", "postgres");
        var connection = new Option<string?>("--connection") { Description = "PostgreSQL connection string (required for postgres; for sqlite the default is a fresh file in a temp folder)." };
        var folder = new Option<DirectoryInfo?>("--folder") { Description = "For sqlite: where to create the file (default: a new temp folder, deleted afterwards). Use the file system the engine's data folder is on." };
        var rows = new Option<long>("--rows") { Description = "How many rows to append.", DefaultValueFactory = _ => 500_000 };
        var group = new Option<int>("--group") { Description = "Most rows per commit (the engine's Engagement:Journal:MaxEntriesPerCommit, default 20000).", DefaultValueFactory = _ => 20_000 };
        var customers = new Option<int>("--customers") { Description = "Customers the rows are spread over (one row per append, like a grain slice of one event).", DefaultValueFactory = _ => 100_000 };
        var json = new Option<FileInfo?>("--json") { Description = "Write the report to this JSON file." };

        var command = new Command("store-ceiling", "Measure the store's own grouped append of the engine's journal rows (the store ceiling).")
        {
            store, connection, folder, rows, group, customers, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var kind = parse.GetValue(store) == "postgres" ? StoreKind.PostgreSql : StoreKind.Sqlite;
            var rowCount = parse.GetValue(rows);
            var groupSize = parse.GetValue(group);
            var customerCount = parse.GetValue(customers);
            if (rowCount is < 1 or > 50_000_000 || groupSize is < 1 or > 1_000_000 || customerCount < 1)
            {
                await Console.Error.WriteLineAsync("store-ceiling: --rows must be 1..50,000,000, --group 1..1,000,000, --customers at least 1");
                return 2;
            }

            string? temporary = null;
            string connectionString;
            if (kind == StoreKind.PostgreSql)
            {
                if (parse.GetValue(connection) is not { Length: > 0 } given)
                {
                    await Console.Error.WriteLineAsync("store-ceiling: --store postgres needs --connection (serve-postgres prints one)");
                    return 2;
                }
                connectionString = given;
            }
            else
            {
                var directory = parse.GetValue(folder)?.FullName ?? (temporary = Directory.CreateTempSubdirectory("engagement-ceiling-").FullName);
                Directory.CreateDirectory(directory);
                // The engine's own connection string for its file (EngagementSettings).
                connectionString = $"Data Source={Path.Combine(directory, $"ceiling-{Guid.NewGuid():N}.db")};Pooling=True;Default Timeout=30";
            }

            try
            {
                var report = await new StoreCeiling(kind, connectionString, rowCount, groupSize, customerCount).RunAsync(Console.Out, cancellationToken);
                var table = new Table().Title("store ceiling").AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
                table.AddRow("store / journal", $"{report.Store} / {report.Journal}");
                table.AddRow("rows / customers / max group", $"{report.Rows:N0} / {report.Customers:N0} / {report.MaxGroup:N0}");
                table.AddRow("elapsed", $"{report.ElapsedSeconds:0.00} s");
                table.AddRow("rows/s", $"{report.RowsPerSecond:N0}");
                table.AddRow("stored / failed", $"{report.Stored:N0} / {report.Failed:N0}");
                AnsiConsole.Write(table);
                if (parse.GetValue(json) is { } file) await ReportOutput.WriteJsonAsync(report, file, cancellationToken);
                return report.Failed == 0 && report.Stored == report.Rows ? 0 : 3;
            }
            finally
            {
                if (temporary is not null) Directory.Delete(temporary, recursive: true);
            }
        });
        return command;
    }
}

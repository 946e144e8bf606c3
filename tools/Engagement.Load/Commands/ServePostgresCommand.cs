using System.CommandLine;
using Engagement.Load.Ceilings;

namespace Engagement.Load.Commands;

/// <summary><c>serve-postgres</c>: a throw-away PostgreSQL on loopback for the cluster measurement; prints how to use it.</summary>
public static class ServePostgresCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Loopback port (0: a free one).", DefaultValueFactory = _ => 0 };
        var database = new Option<string>("--database") { Description = "The database to create.", DefaultValueFactory = _ => "engagement" };
        var lifetime = new Option<TimeSpan>("--for") { Description = "Stop and delete it after this long (Ctrl+C does so sooner).", DefaultValueFactory = _ => TimeSpan.FromHours(2), CustomParser = OptionParsers.Duration };
        var command = new Command("serve-postgres", "Run a throw-away PostgreSQL (temp folder, loopback) for the cluster profile until Ctrl+C.") { port, database, lifetime };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var name = parse.GetValue(database)!;
            if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                await Console.Error.WriteLineAsync("serve-postgres: --database must be letters, digits or '_'");
                return 2;
            }
            LocalPostgres postgres;
            try
            {
                postgres = await LocalPostgres.StartAsync(parse.GetValue(port), name, cancellationToken);
            }
            catch (Exception ex) when (ex is InvalidOperationException or Npgsql.NpgsqlException)
            {
                await Console.Error.WriteLineAsync($"serve-postgres: {ex.Message}");
                return 1;
            }
            await using var running = postgres;
            var connection = postgres.ConnectionString(name);
            Console.WriteLine($"postgres: listening on 127.0.0.1:{postgres.Port}, data in {postgres.Root} (deleted on stop)");
            // The pid first: scripts wait for the connection line and then expect both.
            Console.WriteLine($"  pid         {postgres.ProcessId} (run --store-pid {postgres.ProcessId}: the server's CPU with its backends)");
            Console.WriteLine($"  connection  {connection}");
            Console.WriteLine($"  silo        dotnet run -c Release --project Silo -- \"--ConnectionStrings:Engagement={connection}\"");
            Console.WriteLine($"  gateway     dotnet run -c Release --project Gateway -- --Engagement:Mode=Cluster \"--ConnectionStrings:Engagement={connection}\" --Engagement:KeysFile=/tmp/bench-cluster/keys.json");
            Console.WriteLine($"  ceiling     dotnet run -c Release --project tools/Engagement.Load -- store-ceiling --store postgres --connection \"{connection}\"");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            stop.CancelAfter(parse.GetValue(lifetime));
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
                Console.WriteLine("postgres: stopping");
            }
            return 0;
        });
        return command;
    }
}

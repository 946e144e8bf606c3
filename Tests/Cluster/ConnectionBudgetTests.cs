using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;
using Npgsql;

namespace Engagement.Tests.Cluster;

/// <summary>
/// Issue 15, item 10: a silo and a gateway on a PostgreSQL with the server's defaults (<c>max_connections</c> 100), under
/// four ingest streams for 10,000 cold customers. Before the connection budget the silo opened more connections than
/// the server allows, "53300 too many clients" crossed the grain boundary unserializable, and nothing was accepted
/// (the tests' server then ran with 300 connections, so they never saw it).
/// </summary>
public sealed class ConnectionBudgetTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_cluster_on_a_default_postgresql_accepts_every_event_of_ten_thousand_cold_customers_within_its_budget()
    {
        await using var postgres = await PostgresServer.StartAsync(Ct);
        var connectionString = await postgres.CreateDatabaseAsync("budget", Ct);
        var clusterId = $"budget-{Guid.NewGuid():N}";
        await using var silo = await EngineProcess.StartSiloAsync(ClusterSilo.Settings(connectionString, clusterId));
        await using var gateway = await EngineHost.StartClusterGatewayAsync(connectionString, clusterId);

        await using var watcher = NpgsqlDataSource.Create(connectionString);
        var peak = 0L;
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                await using var count = watcher.CreateCommand("select count(*) from pg_stat_activity where datname = 'budget'");
                peak = Math.Max(peak, (long)(await count.ExecuteScalarAsync(sampling.Token))!);
                await Task.Delay(50, sampling.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }, Ct);

        var run = Guid.NewGuid().ToString("N")[..8];
        var at = DateTimeOffset.UtcNow.AddDays(-1);
        var batches = Enumerable.Range(0, 20)
            .Select(b => Events.Batch([.. Enumerable.Range(0, 500).Select(i => Events.Purchase($"budget-{run}-{b * 500 + i}", 10, at))]))
            .ToList();
        var accepted = 0;
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = Ct }, async (batch, token) =>
        {
            var ack = await gateway.Client.Ingest().SubmitAsync(batch, cancellationToken: token);
            Interlocked.Add(ref accepted, ack.Accepted);
        });
        await sampling.CancelAsync();
        await sampler;

        Assert.Equal(10_000, accepted);
        // The silo's 20 and the gateway's (Orleans' 3, plus what the schema check at its start used), and this watcher.
        Assert.True(peak <= 45, $"at most {peak} connections to the database at once");
        Assert.False(silo.HasExited);
    }
}

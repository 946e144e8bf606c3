using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;
using Grpc.Core;
using Npgsql;

namespace Engagement.Tests.Cluster;

/// <summary>
/// Issue 15, item 7, end to end: an ambiguous commit on a real PostgreSQL. The silo reaches the server through a TCP relay
/// (<see cref="CommitCuttingProxy"/>) that lets one journal COMMIT through and then breaks the connection before the
/// server's answer gets back. The channel must be told either an ack with the right counts, or <c>UNAVAILABLE</c> and then,
/// on its resend, each event counted once; either way every customer's card, read back, has every event once.
/// </summary>
public sealed class AmbiguousCommitTests
{
    private const int Customers = 40;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_commit_that_landed_but_whose_answer_was_lost_counts_its_events_once_and_the_cards_show_them()
    {
        await using var postgres = await PostgresServer.StartAsync(Ct);
        var direct = await postgres.CreateDatabaseAsync("ambiguous", Ct);
        await using var proxy = CommitCuttingProxy.Start(postgres.Port);
        var relayed = new NpgsqlConnectionStringBuilder(direct) { Port = proxy.Port }.ConnectionString;
        var clusterId = $"ambiguous-{Guid.NewGuid():N}";
        await using var silo = await EngineProcess.StartSiloAsync(ClusterSilo.Settings(relayed, clusterId));
        await using var gateway = await EngineHost.StartClusterGatewayAsync(direct, clusterId, TestLimits.Configuration());
        var ingest = gateway.Client.Ingest();

        var run = Guid.NewGuid().ToString("N")[..8];
        var customers = Enumerable.Range(0, Customers).Select(i => $"ambiguous-{run}-{i}").ToArray();
        var at = DateTimeOffset.UtcNow.AddDays(-2);
        await gateway.Client.SubmitAcceptedAsync([.. customers.Select(c => Events.Purchase(c, 10, at))]);

        // One event per customer in one batch: the silo's group commit takes many of them into the transaction that is cut.
        proxy.Arm();
        var batch = Events.Batch([.. customers.Select(c => Events.Purchase(c, 15, at.AddDays(1)))]);
        BatchAck? ack = null;
        try
        {
            ack = await ingest.SubmitAsync(batch, cancellationToken: Ct);
            Assert.Equal((Customers, 0), (ack.Accepted, ack.Duplicates));
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
        {
            Assert.Contains($"batch_id '{batch.BatchId}'", ex.Status.Detail, StringComparison.Ordinal);
            await Wait.UntilAsync(async () =>
            {
                try
                {
                    ack = await ingest.SubmitAsync(batch, cancellationToken: Ct);
                    return true;
                }
                catch (RpcException again) when (again.StatusCode == StatusCode.Unavailable)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(60), "the resent batch is acknowledged");
            Assert.Equal(Customers, ack!.Accepted + ack.Duplicates);
        }
        await proxy.Cut.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        foreach (var customer in customers)
        {
            var card = await gateway.Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = customer }, cancellationToken: Ct);
            Assert.Equal((2, 25.0), (card.EventCount, card.TotalSpend));
        }
        // The journal holds each event once.
        await using var connection = new NpgsqlConnection(direct);
        await connection.OpenAsync(Ct);
        await using var count = new NpgsqlCommand("SELECT COUNT(*) FROM engagement_journal WHERE customer_id LIKE @run", connection);
        count.Parameters.AddWithValue("run", $"ambiguous-{run}-%");
        Assert.Equal(2L * Customers, (long)(await count.ExecuteScalarAsync(Ct))!);
        Assert.False(silo.HasExited);
    }
}

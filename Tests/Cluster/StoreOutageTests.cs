using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;
using Grpc.Core;

namespace Engagement.Tests.Cluster;

/// <summary>
/// Issue 15, item 7 (and acceptance 3): PostgreSQL stopped in the middle of a stream and started again. The channel is
/// told <c>UNAVAILABLE</c> naming its batch (it was <c>Unknown: Exception was thrown by handler</c>: Npgsql's exception
/// could not cross the grain boundary), resends, and in the end every event counts exactly once.
/// </summary>
public sealed class StoreOutageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_the_store_down_a_batch_is_unavailable_and_its_resend_after_the_restart_counts_each_event_once()
    {
        await using var postgres = await PostgresServer.StartAsync(Ct);
        var connectionString = await postgres.CreateDatabaseAsync("outage", Ct);
        var clusterId = $"outage-{Guid.NewGuid():N}";
        await using var silo = await EngineProcess.StartSiloAsync(ClusterSilo.Settings(connectionString, clusterId));
        await using var gateway = await EngineHost.StartClusterGatewayAsync(connectionString, clusterId);
        var ingest = gateway.Client.Ingest();

        var run = Guid.NewGuid().ToString("N")[..8];
        var customers = Enumerable.Range(0, 50).Select(i => $"outage-{run}-{i}").ToArray();
        var at = DateTimeOffset.UtcNow.AddDays(-2);
        var before = Events.Batch([.. customers.Select(c => Events.Purchase(c, 10, at))]);
        Assert.Equal(customers.Length, (await ingest.SubmitAsync(before, cancellationToken: Ct)).Accepted);

        await postgres.StopServerAsync();
        var during = Events.Batch([.. customers.Select(c => Events.Visit(c, at.AddHours(1)))]);
        var refused = await Assert.ThrowsAsync<RpcException>(() => ingest.SubmitAsync(during, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Contains($"batch_id '{during.BatchId}'", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("the store did not answer", refused.Status.Detail, StringComparison.Ordinal);

        await postgres.StartServerAgainAsync(Ct);
        BatchAck? ack = null;
        await Wait.UntilAsync(async () =>
        {
            try
            {
                ack = await ingest.SubmitAsync(during, cancellationToken: Ct);
                return true;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
            {
                return false; // as a channel would: resend until acknowledged
            }
        }, TimeSpan.FromSeconds(60), "the resent batch is acknowledged once the store is back");
        Assert.Equal(customers.Length, ack!.Accepted + ack.Duplicates);

        foreach (var customer in customers)
        {
            var card = await gateway.Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = customer }, cancellationToken: Ct);
            Assert.Equal(2, card.EventCount);
        }
        Assert.False(silo.HasExited);
    }
}

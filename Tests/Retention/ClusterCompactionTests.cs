using Engagement.Contracts.V1;
using Engagement.Grains.Hosting;
using Engagement.Grains.Retention;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Engagement.Tests.Retention;

/// <summary>
/// Issue 17, acceptance 1, on PostgreSQL: a cluster silo's retention job compacts a customer of more than the window while
/// another customer takes events; after a restart of the silo and the gateway, the compacted customer's summary, model, stage
/// and tier are what they were before compaction, the other customer has every event it was sent, and the last 10,000 events
/// are still duplicates. The journal is aged in the store (its recorded-at times moved three days back), since a cluster silo
/// runs on the system clock.
/// </summary>
public sealed class ClusterCompactionTests
{
    private const int Window = RetentionOptions.MinDedupWindowEvents;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_compacted_customer_keeps_its_state_across_a_restart_and_events_sent_meanwhile_are_all_kept()
    {
        const int older = 300;
        await using var postgres = await PostgresServer.StartAsync(Ct);
        var connectionString = await postgres.CreateDatabaseAsync("retention", Ct);
        var clusterId = $"retention-{Guid.NewGuid():N}";
        string[] siloArgs =
        [
            .. ClusterSilo.Settings(connectionString, clusterId).Select(kv => $"--{kv.Key}={kv.Value}"),
            "--Engagement:Retention:JournalHorizon=1.00:00:00",
            "--Engagement:Retention:BatchSize=25",
        ];
        var customer = $"long-{Guid.NewGuid():N}";
        var busy = $"busy-{Guid.NewGuid():N}";
        var start = DateTimeOffset.UtcNow.AddDays(-200);
        var events = Enumerable.Range(0, Window + older).Select(i => i % 40 == 0
            ? Events.Purchase(customer, 10 + i % 7, start.AddMinutes(i * 20), $"ev-{i}")
            : Events.Visit(customer, start.AddMinutes(i * 20), $"ev-{i}")).ToArray();
        var meanwhile = Enumerable.Range(0, 2_000).Select(i => Events.Visit(busy, start.AddMinutes(i), $"busy-{i}")).ToArray();

        Summary before;
        using (var silo = SiloHost.Build(siloArgs))
        {
            await silo.StartAsync(Ct);
            await using (var gateway = await EngineHost.StartClusterGatewayAsync(connectionString, clusterId))
            {
                foreach (var chunk in events.Chunk(1_000)) Assert.Equal(chunk.Length, (await SubmitAsync(gateway, chunk)).Accepted);
                await AgeJournalAsync(connectionString, customer);
                before = Summary.Of(await CardAsync(gateway, customer));

                // The job deletes in batches of 25 while another customer takes its events in batches of 100.
                var compaction = silo.Services.GetRequiredService<RetentionService>().RunOnceAsync(Ct);
                foreach (var chunk in meanwhile.Chunk(100)) Assert.Equal(chunk.Length, (await SubmitAsync(gateway, chunk)).Accepted);
                var run = await compaction;
                Assert.Equal((1, (long)older), (run.CustomersCompacted, run.JournalEntries));
            }
            await silo.StopAsync(Ct);
        }

        using var again = SiloHost.Build(siloArgs);
        await again.StartAsync(Ct);
        try
        {
            await using var gateway = await EngineHost.StartClusterGatewayAsync(connectionString, clusterId);
            Assert.Equal(before, Summary.Of(await CardAsync(gateway, customer)));
            Assert.Equal(meanwhile.Length, (await CardAsync(gateway, busy)).EventCount);
            foreach (var chunk in events[older..].Chunk(1_000))
            {
                var ack = await SubmitAsync(gateway, chunk);
                Assert.Equal((0, chunk.Length), (ack.Accepted, ack.Duplicates));
            }
            Assert.Equal(1, (await SubmitAsync(gateway, [events[older - 1]])).Accepted);
        }
        finally
        {
            await again.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>What compaction must not change of a card: the summary, the model's history-built parts, stage and tier (not the "now"-bound scores).</summary>
    private sealed record Summary(long EventCount, int PurchaseCount, int PurchaseDays, double TotalSpend, string FirstPurchase, string LastPurchase,
        string Stage, string Tier, string RecentEvents, string DecisionLog, string Profile)
    {
        public static Summary Of(CustomerCard card) => new(card.EventCount, card.PurchaseCount, card.PurchaseDays, card.TotalSpend,
            card.FirstPurchaseAt.ToString(), card.LastPurchaseAt.ToString(), card.Stage, card.Tier, card.RecentEvents.ToString(),
            card.DecisionLog.ToString(), card.Profile.ToString());
    }

    private static async Task AgeJournalAsync(string connectionString, string customer)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(
            "UPDATE engagement_journal SET recorded_at = recorded_at - interval '3 days' WHERE customer_id = @customer", connection);
        command.Parameters.AddWithValue("customer", customer);
        Assert.Equal(Window + 300, await command.ExecuteNonQueryAsync(Ct));
    }

    private static async Task<BatchAck> SubmitAsync(EngineHost engine, Event[] events) =>
        await engine.Client.Ingest().SubmitAsync(Events.Batch(events), cancellationToken: Ct);

    private static async Task<CustomerCard> CardAsync(EngineHost engine, string customer) =>
        await engine.Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = customer }, cancellationToken: Ct);
}

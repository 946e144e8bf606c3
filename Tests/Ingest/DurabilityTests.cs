using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;

namespace Engagement.Tests.Ingest;

/// <summary>
/// Acknowledged means durable: the engine process is killed with SIGKILL right after the acks, and
/// started again on the same data folder.
/// </summary>
public sealed class DurabilityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_acknowledged_event_survives_a_kill_exactly_once_and_a_resend_is_only_duplicates()
    {
        var data = Directory.CreateTempSubdirectory("engagement-durability-").FullName;
        try
        {
            var customers = Enumerable.Range(0, 12).Select(i => $"durable-{i}-{Guid.NewGuid():N}").ToArray();
            var start = new DateTimeOffset(2025, 1, 1, 9, 0, 0, TimeSpan.Zero);
            var batches = Enumerable.Range(0, 15)
                .Select(b => Events.Batch([.. customers.Select((c, i) => Events.Purchase(c, 1 + i, start.AddDays(b).AddMinutes(i)))]))
                .ToList();

            var acknowledged = new Dictionary<string, int>();
            await using (var engine = await EngineProcess.StartGatewayAsync(Settings(data, out var grpc)))
            {
                using var client = new EngineClient(grpc);
                foreach (var batch in batches)
                {
                    var ack = await client.Ingest().SubmitAsync(batch, cancellationToken: Ct);
                    Assert.Equal(customers.Length, ack.Accepted);
                    foreach (var e in batch.Events) acknowledged[e.CustomerId] = acknowledged.GetValueOrDefault(e.CustomerId) + 1;
                }
                // No graceful stop: nothing gets a chance to flush or checkpoint.
                await engine.KillAsync();
            }

            await using (var engine = await EngineProcess.StartGatewayAsync(Settings(data, out var grpc)))
            {
                using var client = new EngineClient(grpc);
                foreach (var customer in customers)
                {
                    var card = await client.Customers().GetAsync(new GetCustomerRequest { CustomerId = customer }, cancellationToken: Ct);
                    Assert.Equal(acknowledged[customer], card.EventCount);
                    Assert.Equal(batches.Count, card.PurchaseDays);
                    Assert.Equal(acknowledged[customer], card.Version);
                }

                foreach (var batch in batches)
                {
                    var again = await client.Ingest().SubmitAsync(batch, cancellationToken: Ct);
                    Assert.Equal((0, customers.Length), (again.Accepted, again.Duplicates));
                }
                var after = await client.Customers().GetAsync(new GetCustomerRequest { CustomerId = customers[0] }, cancellationToken: Ct);
                Assert.Equal(acknowledged[customers[0]], after.EventCount);
            }
        }
        finally
        {
            EngineHost.TryDelete(data);
        }
    }

    // Checkpoint often, so that the restart exercises both paths: state from a checkpoint and the events after it
    // replayed from the journal.
    private static List<KeyValuePair<string, string>> Settings(string data, out Uri grpc) =>
        EngineProcess.EmbeddedSettings(data, out grpc, new KeyValuePair<string, string>("Engagement:Checkpoint:EveryEvents", "4"));
}

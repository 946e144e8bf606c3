using System.Net;
using System.Net.Http.Json;
using Engagement.Contracts.V1;
using Engagement.Grains.Hosting;
using Engagement.Grains.Retention;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Engagement.Tests.Retention;

/// <summary>
/// Issue 17, acceptance 1: "compaction keeps the dedup window and loses no state", through the whole engine (SQLite, business
/// time on a fake clock): a customer with more events than the window, compacted by the silo's own retention job, restarts with
/// the card it had before, and a resend of its last 10,000 events is all duplicates while the newest one outside is accepted.
/// </summary>
public sealed class CompactionEngineTests
{
    private const int Window = RetentionOptions.MinDedupWindowEvents;

    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_compacted_customer_restarts_with_the_same_card_and_its_last_events_stay_duplicates()
    {
        const int older = 300;
        var data = Directory.CreateTempSubdirectory("engagement-retention-").FullName;
        var clock = new FakeTimeProvider(T0);
        KeyValuePair<string, string>[] settings = [new("Engagement:Retention:JournalHorizon", "1.00:00:00")];
        void Services(IServiceCollection s) => s.AddKeyedSingleton<TimeProvider>(EngagementClock.Key, clock);
        var customer = $"long-{Guid.NewGuid():N}";
        var start = T0.AddDays(-200);
        var events = Enumerable.Range(0, Window + older).Select(i => i % 40 == 0
            ? Events.Purchase(customer, 10 + i % 7, start.AddMinutes(i * 20), $"ev-{i}")
            : Events.Visit(customer, start.AddMinutes(i * 20), $"ev-{i}")).ToArray();
        try
        {
            await using (var first = await EngineHost.StartEmbeddedAsync(data, settings, Services))
            {
                foreach (var chunk in events.Chunk(1_000)) Assert.Equal(chunk.Length, (await SubmitAsync(first, chunk)).Accepted);
            }

            // Two days on, every entry is past the one-day horizon; the checkpoint holds them all.
            clock.Advance(TimeSpan.FromDays(2));
            CustomerCard before;
            await using (var second = await EngineHost.StartEmbeddedAsync(data, settings, Services))
            {
                before = await CardAsync(second, customer);
                var run = await second.Services.GetRequiredService<RetentionService>().RunOnceAsync(Ct);
                Assert.Equal((1, (long)older), (run.CustomersCompacted, run.JournalEntries));
            }

            await using var third = await EngineHost.StartEmbeddedAsync(data, settings, Services);
            var after = await CardAsync(third, customer);
            Assert.Equal(before, after);
            Assert.Equal((Window + older, Window / 40 + older / 40 + 1), ((int)after.EventCount, after.PurchaseCount));

            foreach (var chunk in events[older..].Chunk(1_000))
            {
                var ack = await SubmitAsync(third, chunk);
                Assert.Equal((0, chunk.Length), (ack.Accepted, ack.Duplicates));
            }
            // The edge, as documented: an event older than the window and the horizon is accepted as new.
            Assert.Equal(1, (await SubmitAsync(third, [events[older - 1]])).Accepted);
            Assert.Equal(Window + older + 1, (await CardAsync(third, customer)).EventCount);

            // A merge rebuilds a customer from its whole journal: with part of it compacted away, it is refused, naming the field.
            var other = $"other-{Guid.NewGuid():N}";
            Assert.Equal(1, (await SubmitAsync(third, [Events.Purchase(other, 25, T0.AddDays(1), $"{other}-1")])).Accepted);
            using var admin = third.Http(TestKeys.Admin);
            var merge = await admin.PostAsJsonAsync($"/api/customers/{customer}/merge", new { from = other, reason = "the same person" }, Ct);
            var problem = await merge.Content.ReadAsStringAsync(Ct);
            Assert.Equal(HttpStatusCode.Conflict, merge.StatusCode);
            Assert.Contains("compacted", problem, StringComparison.Ordinal);
            Assert.Equal(25, (await CardAsync(third, other)).TotalSpend, 6);
        }
        finally
        {
            EngineHost.TryDelete(data);
        }
    }

    private static async Task<BatchAck> SubmitAsync(EngineHost engine, Event[] events) =>
        await engine.Client.Ingest().SubmitAsync(Events.Batch(events), cancellationToken: Ct);

    private static async Task<CustomerCard> CardAsync(EngineHost engine, string customer) =>
        await engine.Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = customer }, cancellationToken: Ct);
}

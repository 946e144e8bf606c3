using Engagement.Grains.Hosting;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Engagement.Tests.Customers;

/// <summary>
/// The population digest in the store follows the customer although the grain writes it only when it changed:
/// events that move nothing the population reads leave it as it was, the next purchase is there, and so are the
/// customer's complaints' due times, across a restart.
/// </summary>
public sealed class CustomerDigestTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_stored_digest_keeps_up_when_most_events_leave_it_unchanged_and_after_a_restart()
    {
        var data = Directory.CreateTempSubdirectory("engagement-digest-").FullName;
        var customer = $"digest-{Guid.NewGuid():N}";
        // Business time a few hours after the last event: the complaint is open, not yet overdue.
        var now = T0.AddDays(2).AddHours(6);
        var engine = await StartAsync(data, now);
        try
        {
            await engine.Client.SubmitAcceptedAsync(Events.Purchase(customer, 20, T0));
            var first = await DigestAsync(engine, customer);
            Assert.Equal((1, 20.0), (first.PurchaseDays, first.TotalSpend));

            // Visits change nothing the digest holds: it stays as the purchase left it.
            await engine.Client.SubmitAcceptedAsync(Events.Visit(customer, T0.AddHours(1)), Events.Visit(customer, T0.AddHours(2)));
            Assert.Equal(first, await DigestAsync(engine, customer));

            // A purchase on another day after the unchanged ones is written.
            await engine.Client.SubmitAcceptedAsync(Events.Visit(customer, T0.AddHours(3)), Events.Purchase(customer, 30, T0.AddDays(1)));
            var second = await DigestAsync(engine, customer);
            Assert.Equal((2, 50.0), (second.PurchaseDays, second.TotalSpend));

            // A complaint brings its overdue time forward as the due time, then a visit leaves it there.
            await engine.Client.SubmitAcceptedAsync(Events.Complaint(customer, Contracts.V1.ComplaintSeverity.Medium, T0.AddDays(1).AddHours(1)));
            var withComplaint = await DigestAsync(engine, customer);
            Assert.NotNull(withComplaint.DueAt);
            Assert.NotEqual(second.DueAt, withComplaint.DueAt);
            await engine.Client.SubmitAcceptedAsync(Events.Visit(customer, T0.AddDays(1).AddHours(2)));
            Assert.Equal(withComplaint, await DigestAsync(engine, customer));

            // A new activation on the same data knows no last digest: its first event writes one, the same as before
            // where that event changes nothing, and the purchase after it is there too.
            await engine.DisposeAsync();
            engine = await StartAsync(data, now);
            await engine.Client.SubmitAcceptedAsync(Events.Visit(customer, T0.AddDays(1).AddHours(3)));
            Assert.Equal(withComplaint, await DigestAsync(engine, customer));
            await engine.Client.SubmitAcceptedAsync(Events.Purchase(customer, 5, T0.AddDays(2)));
            var third = await DigestAsync(engine, customer);
            Assert.Equal((3, 55.0), (third.PurchaseDays, third.TotalSpend));
        }
        finally
        {
            await engine.DisposeAsync();
            EngineHost.TryDelete(data);
        }
    }

    private static Task<EngineHost> StartAsync(string data, DateTimeOffset now) =>
        EngineHost.StartEmbeddedAsync(data, services: s => s.AddKeyedSingleton<TimeProvider>(EngagementClock.Key, new FakeTimeProvider(now)));

    /// <summary>The customer's digest as stored, once everything queued before the call is written.</summary>
    private static async Task<CustomerDigest> DigestAsync(EngineHost engine, string customer)
    {
        var store = engine.Services.GetRequiredService<IPopulationStore>();
        await store.FlushAsync(Ct);
        var digests = await store.ReadDigestsAsync(0, CustomerDigest.Buckets, Ct);
        return Assert.Single(digests, d => d.CustomerId == customer);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudNative.CloudEvents;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.Tests.Changes;

/// <summary>
/// Webhooks end to end: the embedded engine delivers its change feed to a real Kestrel receiver in the test, signed, as
/// CloudEvents, in order per customer; through an outage and an engine restart from the stored cursor; and past a change
/// the receiver keeps refusing, which admins then find among the dead letters.
/// </summary>
public sealed class WebhookTests
{
    private static readonly DateTimeOffset Day = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string> Settings(WebhookReceiver receiver, int maxAttempts) => new()
    {
        ["Engagement:Webhooks:crm:Url"] = receiver.Url.ToString(),
        ["Engagement:Webhooks:crm:Secret"] = WebhookReceiver.Secret,
        ["Engagement:Webhooks:crm:MaxAttempts"] = maxAttempts.ToString(),
        ["Engagement:Webhooks:crm:RetryDelay"] = "00:00:00.020",
        ["Engagement:Webhooks:crm:MaxRetryDelay"] = "00:00:00.200",
        ["Engagement:Webhooks:crm:BatchSize"] = "7",
        ["Engagement:Changes:PollInterval"] = "00:00:00.200",
    };

    [Fact]
    public async Task Signed_changes_arrive_in_order_per_customer_through_an_outage_and_a_restart_none_lost()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var data = Directory.CreateTempSubdirectory("engagement-webhooks-").FullName;
        var settings = Settings(receiver, maxAttempts: 1_000_000);
        var customers = Enumerable.Range(0, 6).Select(i => $"h{i}-{Guid.NewGuid():N}").ToArray();
        var latecomers = Enumerable.Range(0, 4).Select(i => $"late{i}-{Guid.NewGuid():N}").ToArray();
        try
        {
            var engine = await EngineHost.StartEmbeddedAsync(data, settings);
            try
            {
                await engine.Client.SubmitAcceptedAsync([.. customers.Select(c => Events.Purchase(c, 30, Day))]);
                await engine.Client.SubmitAcceptedAsync([.. customers.Select(c => Events.Purchase(c, 900, Day.AddDays(20)))]);
                await AllDeliveredAsync(engine, receiver, "the first changes");

                // The receiver goes down: deliveries fail and are retried; the cursor stays where it was.
                receiver.Failing = _ => 503;
                var attempts = receiver.Attempts;
                await engine.Client.SubmitAcceptedAsync([.. customers.Select(c => Events.Purchase(c, 5_000, Day.AddDays(200)))]);
                await engine.Client.SubmitAcceptedAsync([.. latecomers.Select(c => Events.Purchase(c, 60, Day.AddDays(200)))]);
                await Wait.UntilAsync(() => Task.FromResult(receiver.Attempts >= attempts + 3), Patience, "deliveries retried during the outage");
            }
            finally
            {
                await engine.DisposeAsync();
            }

            // Back up while the engine is down; the restarted engine resumes from its stored cursor.
            receiver.Failing = _ => null;
            engine = await EngineHost.StartEmbeddedAsync(data, settings);
            await using (engine)
            {
                var feed = await AllDeliveredAsync(engine, receiver, "every change after the restart");
                Assert.Equal(0, receiver.BadSignatures);
                var received = receiver.Received;
                // Resumed from the stored cursor, not from the start: what was taken before the outage came once.
                Assert.Equal(received.Count, received.Select(e => e.Id).Distinct().Count());
                Assert.All(received, e => Assert.StartsWith("engagement.v1.", e.Type));
                Assert.All(received, e => Assert.StartsWith("/engagement/", e.Source!.ToString()));
                // In order per customer: each customer's changes first arrive in sequence order.
                var firstArrivals = received.DistinctBy(e => e.Id).ToList();
                foreach (var customer in feed.Select(c => c.CustomerId).Distinct())
                {
                    var sequences = firstArrivals.Where(e => e.Subject == customer).Select(e => long.Parse(e.Id!)).ToList();
                    Assert.Equal(sequences.Order(), sequences);
                    Assert.Equal(feed.Where(c => c.CustomerId == customer).Select(c => c.Sequence), sequences);
                }
                Assert.All([.. customers, .. latecomers], c => Assert.Contains(received, e => e.Subject == c));
                Assert.True(feed.Count(c => customers.Contains(c.CustomerId)) >= customers.Length * 3);
            }
        }
        finally
        {
            EngineHost.TryDelete(data);
        }
    }

    [Fact]
    public async Task A_change_refused_every_attempt_is_dead_lettered_for_admins_and_delivery_moves_on()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Failing = events => events.Any(e => e.Subject!.StartsWith("poison", StringComparison.Ordinal)) ? 400 : null;
        await using var engine = await EngineHost.StartEmbeddedAsync(settings: Settings(receiver, maxAttempts: 2));
        var poison = $"poison-{Guid.NewGuid():N}";
        var healthy = Enumerable.Range(0, 3).Select(i => $"ok{i}-{Guid.NewGuid():N}").ToArray();
        await engine.Client.SubmitAcceptedAsync(Events.Purchase(poison, 30, Day));
        await engine.Client.SubmitAcceptedAsync([.. healthy.Select(c => Events.Purchase(c, 30, Day))]);

        var feed = engine.Services.GetRequiredService<IChangeFeed>();
        using var admin = engine.Http(TestKeys.Admin);
        List<DeadLetterView> dead = [];
        await Wait.UntilAsync(async () =>
        {
            var all = await feed.ReadAsync(0, [], 10_000, Ct);
            dead = (await admin.GetFromJsonAsync<List<DeadLetterView>>("/api/admin/webhooks/crm/dead-letters", Json, Ct))!;
            var ids = receiver.Received.Select(e => e.Id).ToHashSet();
            return all.Where(c => c.CustomerId != poison).All(c => ids.Contains(c.Sequence.ToString()))
                && all.Where(c => c.CustomerId == poison).All(c => dead.Any(d => d.Sequence == c.Sequence));
        }, Patience, "the healthy customers' changes delivered and the poison's dead-lettered");

        Assert.NotEmpty(dead);
        Assert.All(dead, d => Assert.Equal((poison, "crm", 2), (d.CustomerId, d.Subscriber, d.Attempts)));
        Assert.All(dead, d => Assert.Contains("400", d.Error));
        Assert.DoesNotContain(receiver.Received, e => e.Subject == poison);
        Assert.All(healthy, c => Assert.Contains(receiver.Received, e => e.Subject == c));

        var subscribers = await admin.GetFromJsonAsync<JsonElement>("/api/admin/webhooks", Ct);
        Assert.Equal("crm", subscribers[0].GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/admin/webhooks/nobody/dead-letters", Ct)).StatusCode);
        foreach (var key in new[] { TestKeys.Integration, TestKeys.Supervisor, TestKeys.Channel })
        {
            using var other = engine.Http(key);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync("/api/admin/webhooks/crm/dead-letters", Ct)).StatusCode);
        }
    }

    [Fact]
    public async Task A_webhook_without_a_usable_url_or_secret_stops_the_start_with_its_key()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => EngineHost.StartEmbeddedAsync(settings: new Dictionary<string, string>
        {
            ["Engagement:Webhooks:crm:Url"] = "https://crm.example/hooks",
            ["Engagement:Webhooks:crm:Secret"] = "short",
        }));
        Assert.Contains("Engagement:Webhooks:crm:Secret", error.Message);
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record DeadLetterView(long Id, string Subscriber, long Sequence, string CustomerId, string Kind, int Attempts, string Error);

    /// <summary>Waits until the receiver has taken every change in the feed; returns the feed.</summary>
    private static async Task<IReadOnlyList<Change>> AllDeliveredAsync(EngineHost engine, WebhookReceiver receiver, string what)
    {
        var feed = engine.Services.GetRequiredService<IChangeFeed>();
        IReadOnlyList<Change> all = [];
        await Wait.UntilAsync(async () =>
        {
            all = await feed.ReadAsync(0, [], 10_000, Ct);
            var ids = receiver.Received.Select(e => e.Id).ToHashSet();
            return all.Count > 0 && all.All(c => ids.Contains(c.Sequence.ToString()));
        }, Patience, what);
        return all;
    }
}

using System.Net.Http.Headers;
using System.Threading.Channels;
using Engagement.Contracts.Population;
using Engagement.Contracts.V1;
using Engagement.Grains.Hosting;
using Engagement.Model;
using Engagement.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Engagement.Tests.Alerts;

/// <summary>
/// Silence alone makes a customer at risk: with business time driven by a fake clock, customers whose
/// rhythm predicts a purchase go quiet, and their churn warnings arrive at their due times with no event
/// sent; a purchase moves a due time; the schedule survives a restart of the engine.
/// </summary>
public sealed class SilenceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly KeyValuePair<string, string>[] FastPolling = [new("Engagement:Silence:PollInterval", "00:00:00.200")];

    [Fact]
    public async Task A_silent_customer_gets_its_churn_warning_at_its_due_time_a_purchase_moves_it_and_a_restart_keeps_it()
    {
        var data = Directory.CreateTempSubdirectory("engagement-silence-").FullName;
        var clock = new FakeTimeProvider(T0);
        var engine = await EngineHost.StartEmbeddedAsync(data, FastPolling, s => s.AddKeyedSingleton<TimeProvider>(EngagementClock.Key, clock));
        try
        {
            await engine.Client.SubmitAcceptedAsync(SimulatedPopulation.Purchases(T0));
            var population = await engine.RefitFittedAsync();

            // Four customers with one weekly rhythm, whose last purchases are 3, 2, 1 and 0 days ago:
            // their due days follow one another.
            var (c, d, e, f) = ($"quiet-c-{Guid.NewGuid():N}", $"quiet-d-{Guid.NewGuid():N}", $"quiet-e-{Guid.NewGuid():N}", $"quiet-f-{Guid.NewGuid():N}");
            var histories = new Dictionary<string, DateTimeOffset[]>
            {
                [c] = Weekly(T0.AddDays(-3)),
                [d] = Weekly(T0.AddDays(-2)),
                [e] = Weekly(T0.AddDays(-1)),
                [f] = Weekly(T0),
            };
            await engine.Client.SubmitAcceptedAsync([.. histories.SelectMany(h => h.Value.Select(at => Events.Purchase(h.Key, 20, at)))]);

            // The due times, as the library computes them, and as the cards show them.
            var rules = new EngagementRules();
            var due = histories.ToDictionary(h => h.Key, h =>
            {
                var model = new CustomerModel { CustomerId = h.Key };
                foreach (var at in h.Value) model.Purchase(at, 20, rules);
                return model.NextRiskCrossing(T0, population, rules) ?? throw new InvalidOperationException($"{h.Key} never becomes at risk");
            });
            foreach (var (customer, at) in due) Assert.Equal(at, (await CardAsync(engine, customer)).RiskRisesAt.ToDateTimeOffset());
            Assert.True(due[c] < due[d] && due[d] < due[e] && due[e] < due[f], "the due days follow the last purchases");

            var warnings = await WatchChurnWarningsAsync(engine, 0);

            // C: nothing is sent; its warning comes when business time passes its due time.
            clock.SetUtcNow(due[c].AddMinutes(1));
            var first = await NextAsync(warnings.Alerts, c);
            Assert.InRange(first.RaisedAt.ToDateTimeOffset(), due[c], due[c].AddMinutes(1));
            Assert.Equal("ChurnWarning", first.Kind);
            Assert.Contains("AtRisk", first.Title, StringComparison.Ordinal);

            // D buys again before its due time: its due time moves past E's, and no warning comes for it.
            await engine.Client.SubmitAcceptedAsync([Events.Purchase(d, 20, clock.GetUtcNow())]);
            var moved = (await CardAsync(engine, d)).RiskRisesAt.ToDateTimeOffset();
            Assert.True(moved > due[e], $"D's due time moved from {due[d]:O} to {moved:O}, past E's {due[e]:O}");
            clock.SetUtcNow(due[e].AddMinutes(1));
            var second = await NextAsync(warnings.Alerts, e);
            Assert.DoesNotContain(warnings.Seen, a => a.CustomerId == d);
            Assert.DoesNotContain((await CardAsync(engine, d)).Stage, (string[])["AtRisk", "Lapsed"]);
            var lastSequence = second.Sequence;
            warnings.Dispose();

            // A restart: the new engine knows F's due time from the store, not from memory.
            await engine.DisposeAsync();
            var restarted = new FakeTimeProvider(clock.GetUtcNow());
            engine = await EngineHost.StartEmbeddedAsync(data, FastPolling, s => s.AddKeyedSingleton<TimeProvider>(EngagementClock.Key, restarted));
            using var afterRestart = await WatchChurnWarningsAsync(engine, lastSequence);
            restarted.SetUtcNow(due[f].AddMinutes(1));
            var third = await NextAsync(afterRestart.Alerts, f);
            Assert.InRange(third.RaisedAt.ToDateTimeOffset(), due[f], due[f].AddMinutes(1));
            Assert.DoesNotContain(afterRestart.Seen, a => a.CustomerId == d);
        }
        finally
        {
            await engine.DisposeAsync();
            EngineHost.TryDelete(data);
        }
    }

    /// <summary>Six purchase days a week apart, the last at <paramref name="last"/>.</summary>
    private static DateTimeOffset[] Weekly(DateTimeOffset last) => [.. Enumerable.Range(0, 6).Select(i => last.AddDays(-7 * (5 - i)))];

    private static Task<CustomerCard> CardAsync(EngineHost engine, string customer) =>
        engine.Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = customer }, cancellationToken: Ct).ResponseAsync;

    private static async Task<Alert> NextAsync(ChannelReader<Alert> alerts, string customer)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        await foreach (var alert in alerts.ReadAllAsync(timeout.Token))
        {
            if (alert.CustomerId == customer) return alert;
        }
        throw new InvalidOperationException("the watch ended");
    }

    private static async Task<Watcher> WatchChurnWarningsAsync(EngineHost engine, long afterSequence)
    {
        var call = engine.Client.Alerts().Watch(new WatchAlertsRequest { AfterSequence = afterSequence }, cancellationToken: Ct);
        var watcher = new Watcher(call);
        await Task.Yield();
        return watcher;
    }

    /// <summary>A supervisor's stream of churn warnings, kept as they come.</summary>
    private sealed class Watcher : IDisposable
    {
        private readonly AsyncServerStreamingCall<Alert> _call;
        private readonly Channel<Alert> _alerts = Channel.CreateUnbounded<Alert>();
        private readonly List<Alert> _seen = [];

        public Watcher(AsyncServerStreamingCall<Alert> call)
        {
            _call = call;
            _ = Task.Run(async () =>
            {
                try
                {
                    await foreach (var alert in call.ResponseStream.ReadAllAsync())
                    {
                        if (alert.Kind != "ChurnWarning") continue;
                        lock (_seen) _seen.Add(alert);
                        _alerts.Writer.TryWrite(alert);
                    }
                }
                catch (RpcException)
                {
                    // Disposed: the end of the watch.
                }
                _alerts.Writer.TryComplete();
            });
        }

        public ChannelReader<Alert> Alerts => _alerts.Reader;

        public IReadOnlyList<Alert> Seen
        {
            get
            {
                lock (_seen) return [.. _seen];
            }
        }

        public void Dispose() => _call.Dispose();
    }
}

using System.Globalization;
using Engagement.Contracts.V1;
using Engagement.Feeds;
using Engagement.Feeds.Replay;
using Engagement.Grains.Hosting;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Engagement.Tests.Demo;

/// <summary>
/// A replay is a backfill: as <c>Engagement.Cli replay</c> does it (the public ingest, <c>backfill</c> batches, then
/// <c>Ingest.CheckCustomers</c> for the customers fed), it raises nothing on the way, even with statistics in force,
/// and its closing check opens only what is true at the end: no Info, no churn warning of a customer no longer at risk
/// or lapsed beyond the horizon, no tier alert of a customer in tier A.
/// </summary>
public sealed class ReplayAlertsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 15, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_replay_raises_nothing_on_the_way_and_its_closing_check_only_what_is_true_at_the_end()
    {
        var folder = Directory.CreateTempSubdirectory("engagement-replay-alerts-");
        var clock = new FakeTimeProvider(Now);
        await using var engine = await EngineHost.StartEmbeddedAsync(services: s => s.AddKeyedSingleton<TimeProvider>(EngagementClock.Key, clock));
        try
        {
            var path = Path.Combine(folder.FullName, "shop.txt");
            await File.WriteAllLinesAsync(path, Transactions(), Ct);
            var midway = new DateOnly(1997, 9, 30);

            // The first part, a refit (tiers and churn models in force from then on), and the rest: backfill all along.
            var first = ReplayPlan.Load(path, new ReplayOptions { RebaseTo = Now, Until = midway, BatchSize = TestLimits.MaxEventsPerBatch });
            await FeedAsync(engine, first);
            await engine.RefitFittedAsync();
            var whole = ReplayPlan.Load(path, new ReplayOptions { RebaseTo = Now, BatchSize = TestLimits.MaxEventsPerBatch });
            await FeedAsync(engine, whole);
            await engine.RefitFittedAsync();
            Assert.Empty((await engine.Client.Alerts(TestKeys.Admin).ListAsync(new ListAlertsRequest(), cancellationToken: Ct)).Alerts);

            // The closing check, as the CLI sends it.
            foreach (var chunk in whole.Customers.Chunk(TestLimits.MaxEventsPerBatch))
            {
                await engine.Client.Ingest().CheckCustomersAsync(new CheckCustomersRequest { CustomerIds = { chunk } }, cancellationToken: Ct);
            }

            var open = (await engine.Client.Alerts(TestKeys.Admin).ListAsync(new ListAlertsRequest(), cancellationToken: Ct)).Alerts;
            Assert.NotEmpty(open);
            foreach (var alert in open)
            {
                Assert.NotEqual("Info", alert.Severity);
                Assert.Equal(Now, alert.RaisedAt.ToDateTimeOffset());
                var card = await engine.Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = alert.CustomerId }, cancellationToken: Ct);
                switch (alert.Kind)
                {
                    case "ChurnWarning":
                        Assert.Contains(card.Stage, (string[])["AtRisk", "Lapsed"]);
                        Assert.True(Now - card.LastPurchaseAt.ToDateTimeOffset() <= TimeSpan.FromDays(181), $"{alert.CustomerId} lapsed beyond the horizon");
                        Assert.NotEqual("C", card.Tier[..1]);
                        break;
                    case "TierChange":
                        Assert.NotEqual("A", card.Tier[..1]);
                        break;
                    default:
                        Assert.Fail($"a purchase replay cannot call for a {alert.Kind} alert ({alert.CustomerId})");
                        break;
                }
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task FeedAsync(EngineHost engine, ReplayPlan plan)
    {
        var progress = new FeedProgress();
        Assert.Equal(FeedOutcome.Completed, await FeedRunner.RunAsync(engine.Client.Ingest(), plan, new FeedPace(0, TimeProvider.System), progress, Ct));
        Assert.Equal(0, progress.Rejected);
    }

    /// <summary>
    /// 240 customers of a shop over 18 months in the CDNOW layout: each buys at its own weekly rate from a first day in
    /// the first quarter until it drops out (or never does); every tenth spends big.
    /// </summary>
    private static IEnumerable<string> Transactions()
    {
        var random = new Random(11);
        var start = new DateOnly(1997, 1, 1);
        var end = new DateOnly(1998, 6, 30);
        for (var customer = 1; customer <= 240; customer++)
        {
            var perWeek = 0.1 + random.NextDouble() * 1.5;
            var day = start.AddDays(random.Next(90));
            var dropOut = random.NextDouble() < 0.8 ? day.AddDays(30 + random.Next(500)) : end;
            var scale = customer % 10 == 0 ? 20 : 1;
            while (day <= end && day <= dropOut)
            {
                var units = 1 + random.Next(3);
                yield return string.Create(CultureInfo.InvariantCulture, $" {customer:00000} {day:yyyyMMdd}  {units}   {units * scale * (8 + random.NextDouble() * 10):0.00}");
                day = day.AddDays(Math.Max(1, (int)Math.Round(-Math.Log(1 - random.NextDouble()) * 7 / perWeek)));
            }
        }
    }
}

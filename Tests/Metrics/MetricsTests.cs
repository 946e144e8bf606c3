using System.Text.Json;
using Engagement.Contracts.V1;
using Engagement.Grains.Hosting;
using Engagement.Tests.Infrastructure;
using Engagement.Tests.Push;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Engagement.Tests.Metrics;

/// <summary>
/// An engine that has done a little of everything an operator watches, through its public doors: a population
/// streamed in over gRPC and refitted by an admin over HTTP; an agent (SignalR) and a gRPC client watching a
/// customer whose detractor answer raises an alert, which a supervisor resolves; a silent customer whose due time
/// passes on the business clock, so that a silence check raises a churn warning. Its hub connections stay open.
/// </summary>
public sealed class MetricsEngineFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly FakeTimeProvider _clock = new(T0);
    private PushClient? _agent;
    private PushClient? _supervisor;
    private AsyncServerStreamingCall<CustomerCard>? _grpcWatch;
    private EngineHost? _engine;

    public EngineHost Engine => _engine ?? throw new InvalidOperationException("Not started.");

    /// <summary>The customer watched over SignalR and gRPC, whose satisfaction-drop alert was resolved.</summary>
    public string Watched { get; } = $"metrics-watched-{Guid.NewGuid():N}";

    /// <summary>The customer whose churn warning a silence check raised, 45 s (business clock) after its due time.</summary>
    public string Silent { get; } = $"metrics-silent-{Guid.NewGuid():N}";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _engine = await EngineHost.StartEmbeddedAsync(
            settings: [new("Engagement:Silence:PollInterval", "00:00:00.200"), new("Engagement:Metrics:OpenAlertsMaxAge", "00:00:00")],
            services: s => s.AddKeyedSingleton<TimeProvider>(EngagementClock.Key, _clock));
        await Engine.Client.SubmitAcceptedAsync(SimulatedPopulation.Purchases(T0));
        await Engine.UntilSweptAsync(await Engine.RefitFittedAsync());

        _supervisor = await PushClient.ConnectAsync(new Uri(Engine.WebAddress, "/hubs/supervisor"), TestKeys.Supervisor);
        _agent = await PushClient.ConnectAsync(new Uri(Engine.WebAddress, "/hubs/agent"), TestKeys.Agent);

        // The agent watches first; the customer's first event is pushed to it.
        await _agent.WatchAsync(Watched);
        await Engine.Client.SubmitAcceptedAsync(Events.Purchase(Watched, 40, T0.AddMinutes(-2)));
        Assert.Equal(1, (await _agent.NextCardAsync()).Version);
        // A gRPC watch gets the current card (not a push), then the next change, as the agent does.
        _grpcWatch = Engine.Client.Customers().Watch(new WatchCustomerRequest { CustomerId = Watched }, cancellationToken: Ct);
        Assert.Equal(1, await NextGrpcCardVersionAsync());
        await Engine.Client.SubmitAcceptedAsync(Events.Nps(Watched, 2, T0.AddMinutes(-1)));
        Assert.Equal(2, (await _agent.NextCardAsync()).Version);
        Assert.Equal(2, await NextGrpcCardVersionAsync());

        var drop = await _supervisor.NextAlertAsync(Watched);
        Assert.Equal(Contracts.Alerts.AlertKind.SatisfactionDrop, drop.Kind);
        await Engine.Client.Alerts().ResolveAsync(new ResolveAlertRequest { AlertId = drop.AlertId, Note = "called back" }, cancellationToken: Ct);

        // Six weekly purchases up to now, then business time passes the customer's due time by 45 s (the store keeps
        // due times in milliseconds, so the check is between 45 s and 45.001 s late).
        await Engine.Client.SubmitAcceptedAsync([.. Enumerable.Range(0, 6).Select(i => Events.Purchase(Silent, 20, T0.AddDays(-7 * (5 - i))))]);
        var card = await Engine.Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = Silent }, cancellationToken: Ct);
        _clock.SetUtcNow(card.RiskRisesAt.ToDateTimeOffset().AddSeconds(45));
        // Its tier may change too (an alert of its own); the churn warning is the one this waits for.
        while ((await _supervisor.NextAlertAsync(Silent)).Kind != Contracts.Alerts.AlertKind.ChurnWarning)
        {
        }
        // The check is measured once it returns, just after it raised the warning.
        await Wait.UntilAsync(async () => (await Scrape.TakeAsync(Engine)).Sum("engagement_silence_lateness_seconds_count") > 0,
            Timeout, "a silence check in engagement_silence_lateness_seconds");
    }

    private async Task<long> NextGrpcCardVersionAsync()
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(Timeout);
        Assert.True(await _grpcWatch!.ResponseStream.MoveNext(deadline.Token), "the gRPC watch ended");
        return _grpcWatch.ResponseStream.Current.Version;
    }

    public async ValueTask DisposeAsync()
    {
        _grpcWatch?.Dispose();
        if (_agent is not null) await _agent.DisposeAsync();
        if (_supervisor is not null) await _supervisor.DisposeAsync();
        if (_engine is not null) await _engine.DisposeAsync();
    }
}

/// <summary>
/// What an operator scrapes from <c>/metrics</c> after that traffic, and whether the Grafana dashboard's queries
/// name what the engine exports. Other engines of this test process share the meter, so counts are at least ours.
/// </summary>
public sealed class MetricsTests(MetricsEngineFixture fixture) : IClassFixture<MetricsEngineFixture>
{
    private static readonly string[] ValueHistogramSuffixes = ["_bucket", "_sum", "_count"];

    [Fact]
    public async Task A_scrape_shows_alerts_moves_silence_pushes_watchers_refits_store_commits_and_requests_by_key()
    {
        var scrape = await Scrape.TakeAsync(fixture.Engine);

        // Alerts: the detractor's drop raised and resolved, the silent customer's warning raised and still open.
        Assert.True(scrape.Sum("engagement_alerts_raised_total", ("kind", "SatisfactionDrop")) >= 1);
        Assert.True(scrape.Sum("engagement_alerts_resolved_total", ("kind", "SatisfactionDrop")) >= 1);
        Assert.True(scrape.Sum("engagement_alerts_raised_total", ("kind", "ChurnWarning")) >= 1);
        Assert.All(scrape.Of("engagement_alerts_raised_total"), s => Assert.Contains(s["severity"], new[] { "Info", "Warning", "Critical" }));
        Assert.True(scrape.Sum("engagement_alerts_open", ("kind", "ChurnWarning"), ("state", "Open")) >= 1);
        Assert.All(scrape.Of("engagement_alerts_open"), s => Assert.NotEqual("Resolved", s["state"]));
        Assert.True(scrape.Sum("engagement_alerts_commit_changes_count") >= 2, "the raises and the resolution were committed");
        Assert.True(scrape.Sum("engagement_alerts_commit_changes_sum") >= 3);
        AssertHistogram(scrape, "engagement_alerts_commit_duration_seconds");

        // Stage and tier moves: the silent customer went to AtRisk; labels are stages and tiers, never customers.
        Assert.True(scrape.Sum("engagement_population_moves_total", ("dimension", "stage"), ("to", "AtRisk")) >= 1);
        Assert.True(scrape.Sum("engagement_population_moves_total", ("dimension", "tier")) >= 1);
        Assert.DoesNotContain(fixture.Silent, scrape.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Watched, scrape.Text, StringComparison.Ordinal);

        // Silence lateness: the warning's check ran 45 s of business time after its due time.
        AssertHistogram(scrape, "engagement_silence_lateness_seconds");
        Assert.True(Bucket(scrape, "engagement_silence_lateness_seconds", "60") - Bucket(scrape, "engagement_silence_lateness_seconds", "30") >= 1,
            "a check between 30 s and 60 s late");

        // Pushes: the agent got two pushed cards, the gRPC watcher one (its first card was the current one, not a push).
        Assert.True(scrape.Sum("engagement_push_card_duration_seconds_count", ("transport", "signalr")) >= 2);
        Assert.True(scrape.Sum("engagement_push_card_duration_seconds_count", ("transport", "grpc")) >= 1);
        var pushes = scrape.Sum("engagement_push_card_duration_seconds_count");
        Assert.InRange(scrape.Sum("engagement_push_card_duration_seconds_sum") / pushes, 0, 10);
        Assert.True(scrape.Sum("engagement_push_watched_customers") >= 1);
        Assert.True(scrape.Sum("engagement_push_connections", ("hub", "agent")) >= 1);
        Assert.True(scrape.Sum("engagement_push_connections", ("hub", "supervisor")) >= 1);

        // The admin's refit fitted BG/NBD.
        Assert.True(scrape.Sum("engagement_population_refit_duration_seconds_count", ("result", "fitted")) >= 1);
        Assert.True(scrape.Sum("engagement_population_refit_duration_seconds_sum", ("result", "fitted")) > 0);

        // Store commits: journal, checkpoints (the population's statistics at least), alerts (above).
        Assert.True(scrape.Sum("engagement_journal_commit_entries_sum") >= 1);
        AssertHistogram(scrape, "engagement_journal_commit_duration_seconds");
        Assert.True(scrape.Sum("engagement_checkpoint_commit_states_sum") >= 1);
        AssertHistogram(scrape, "engagement_checkpoint_commit_duration_seconds");
        Assert.True(scrape.Sum("engagement_ingest_events_total", ("outcome", "accepted")) >= 300);

        // Requests by key: named by their configured names and roles, the secrets nowhere.
        Assert.True(scrape.Sum("engagement_api_requests_total", ("key_name", "Engagement:Keys:0"), ("role", "channel"), ("protocol", "grpc")) >= 5);
        Assert.True(scrape.Sum("engagement_api_requests_total", ("role", "agent"), ("protocol", "http")) >= 1, "the agent's hub connection");
        Assert.True(scrape.Sum("engagement_api_requests_total", ("role", "agent"), ("protocol", "grpc")) >= 2, "the card read and the gRPC watch");
        Assert.True(scrape.Sum("engagement_api_requests_total", ("role", "supervisor"), ("protocol", "grpc")) >= 1, "the resolution");
        Assert.True(scrape.Sum("engagement_api_requests_total", ("key_name", "Engagement:Keys:3"), ("role", "admin"), ("protocol", "http")) >= 2);
        foreach (var secret in new[] { TestKeys.Channel, TestKeys.Agent, TestKeys.Supervisor, TestKeys.Admin })
        {
            Assert.DoesNotContain(secret, scrape.Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Every_metric_the_dashboard_queries_is_exported_and_every_engine_metric_has_a_panel()
    {
        var path = Path.Combine(Repository.Root().FullName, "docs", "grafana", "engagement-dashboard.json");
        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        var panels = Panels(dashboard.RootElement).ToList();
        Assert.NotEmpty(panels);

        var queried = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var panel in panels)
        {
            var title = panel.GetProperty("title").GetString()!;
            var exprs = panel.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!).ToList();
            Assert.True(exprs.Count > 0, $"panel '{title}' has no query");
            foreach (var expr in exprs)
            {
                var names = PromQl.MetricNames(expr).ToList();
                Assert.True(names.Count > 0, $"panel '{title}': no metric in '{expr}'");
                foreach (var name in names) (queried.TryGetValue(name, out var titles) ? titles : queried[name] = []).Add(title);
            }
        }

        // As Prometheus asks (OpenMetrics) and as curl does (the classic text format): the same names.
        foreach (var accept in new[] { Scrape.PrometheusAccept, null })
        {
            var scrape = await Scrape.TakeAsync(fixture.Engine, accept);
            var missing = queried.Where(q => !scrape.Names.Contains(q.Key)).Select(q => $"{q.Key} (in {string.Join(", ", q.Value.Distinct())})").ToList();
            Assert.True(missing.Count == 0, $"Accept {accept ?? "(none)"}: the dashboard queries metrics the engine does not export: {string.Join("; ", missing)}");
        }

        var exported = (await Scrape.TakeAsync(fixture.Engine)).Names.Where(n => n.StartsWith("engagement_", StringComparison.Ordinal)).Select(Family).ToHashSet();
        var shown = queried.Keys.Select(Family).ToHashSet();
        Assert.Empty(exported.Except(shown).Order());
    }

    /// <summary>Every panel, those inside rows too.</summary>
    private static IEnumerable<JsonElement> Panels(JsonElement container)
    {
        if (!container.TryGetProperty("panels", out var panels)) yield break;
        foreach (var panel in panels.EnumerateArray())
        {
            if (panel.TryGetProperty("targets", out _)) yield return panel;
            foreach (var inner in Panels(panel)) yield return inner;
        }
    }

    private static string Family(string name)
    {
        foreach (var suffix in ValueHistogramSuffixes.Append("_total").Append("_created"))
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal)) return name[..^suffix.Length];
        }
        return name;
    }

    private static void AssertHistogram(Scrape scrape, string name)
    {
        foreach (var suffix in ValueHistogramSuffixes) Assert.Contains(name + suffix, scrape.Names);
        Assert.True(scrape.Sum(name + "_count") >= 1, $"{name}: no observation");
        Assert.Equal(scrape.Sum(name + "_count"), Bucket(scrape, name, "+Inf"));
    }

    private static double Bucket(Scrape scrape, string name, string le) => scrape.Sum(name + "_bucket", ("le", le));
}

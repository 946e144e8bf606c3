using System.Net.Http.Json;
using System.Text.Json;
using Engagement.Contracts.V1;
using Engagement.Model;
using Engagement.Tests.Infrastructure;

namespace Engagement.Tests.Customers;

/// <summary>
/// Issue 16, acceptance 3: a refit that moves the ABC thresholds is followed by a sweep that retiers idle customers
/// (no event reaches them after the refit), whose tier changes appear in the change feed; customers whose traits the
/// refit does not change are not woken; the sweep's progress reaches done. Real engines (embedded on SQLite; a silo and a
/// gateway on PostgreSQL), real gRPC and HTTP; each class's engine holds only this test's customers.
/// </summary>
public abstract class PopulationSweepContract(Func<EngineHost> host)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_refit_that_moves_the_thresholds_retiers_idle_customers_through_the_feed_and_wakes_no_one_else()
    {
        var engine = host();
        using var admin = engine.Http(TestKeys.Admin);
        var at = DateTimeOffset.UtcNow.AddDays(-1);
        var silence = (DateTimeOffset.UtcNow.UtcDateTime.Date - at.UtcDateTime.Date).TotalDays;
        var run = Guid.NewGuid().ToString("N")[..8];
        var spends = new Dictionary<string, double>();
        var old = Enumerable.Range(1, 20).Select(i => ($"old-{run}-{i}", 10.0 * i)).ToList();
        await PurchaseAsync(engine, old, at, spends);

        // Refit 1: thresholds where there were none; every old customer is idle from here on.
        var first = await RefitAndSweepAsync(admin);

        var whales = Enumerable.Range(1, 5).Select(i => ($"whale-{run}-{i}", 5000.0)).ToList();
        var marker1 = $"marker-{run}-1";
        await PurchaseAsync(engine, [.. whales, (marker1, 1.0)], at, spends);
        var upToMarker1 = await WatchUntilStageOfAsync(engine, 0, marker1);
        foreach (var (id, spend) in old.Where(c => Label(first, c.Item2) != "C"))
        {
            Assert.Contains(upToMarker1, c => c.CustomerId == id && c.Kind == "tier.changed" && ToOf(c) == Label(first, spend));
        }

        // Refit 2: the whales take tier A, so old customers fall; the sweep finds them from their digests alone.
        var second = await RefitAndSweepAsync(admin);
        var expected = spends.Where(c => Traits(first, c.Value, silence) != Traits(second, c.Value, silence)).Select(c => c.Key).ToHashSet();
        var retiered = spends.Where(c => Label(first, c.Value) != Label(second, c.Value)).ToDictionary(c => c.Key, c => Label(second, c.Value));
        Assert.NotEmpty(retiered);
        Assert.True(expected.Count < spends.Count, "some customers keep their traits (the whales at least)");

        var progress = second.Sweep;
        Assert.Equal("done", progress.GetProperty("state").GetString());
        Assert.Equal(1024, progress.GetProperty("bucketsDone").GetInt32());
        Assert.Equal(spends.Count, progress.GetProperty("examined").GetInt64());
        Assert.Equal(spends.Count, progress.GetProperty("total").GetInt64());
        Assert.Equal(expected.Count, progress.GetProperty("changed").GetInt64());
        Assert.Equal(expected.Count, progress.GetProperty("woken").GetInt64());
        Assert.Equal(0, progress.GetProperty("failed").GetInt64());
        Assert.NotEqual(JsonValueKind.Null, progress.GetProperty("finishedAt").ValueKind);

        // Everything the sweep changed is committed when it says done: the tier changes after marker 1, up to a marker
        // sent now, are exactly the retiered customers'.
        var marker2 = $"marker-{run}-2";
        await PurchaseAsync(engine, [(marker2, 1.0)], at, []);
        var after = await WatchUntilStageOfAsync(engine, upToMarker1[^1].Sequence, marker2);
        // (A first tier, from null, is a new customer's: the whales' and markers' own, in marker 1's commit.)
        var tierChanges = after.Where(c => c.Kind == "tier.changed" && FromOf(c) is not null).ToList();
        Assert.Equal(retiered.OrderBy(r => r.Key), tierChanges.Select(c => KeyValuePair.Create(c.CustomerId, ToOf(c) ?? "")).OrderBy(r => r.Key));
    }

    private sealed record Refit(AbcThresholds Abc, RfmCuts Rfm, JsonElement Sweep);

    private static async Task<Refit> RefitAndSweepAsync(HttpClient admin)
    {
        var response = await admin.PostAsync("/api/population/refit", null, Ct);
        response.EnsureSuccessStatusCode();
        var refit = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var version = refit.GetProperty("version").GetInt64();
        JsonElement sweep = default;
        await Wait.UntilAsync(async () =>
        {
            sweep = await admin.GetFromJsonAsync<JsonElement>("/api/population/sweep", Ct);
            return sweep.GetProperty("statisticsVersion").GetInt64() == version && sweep.GetProperty("state").GetString() == "done";
        }, Patience, $"the sweep after refit {version} is done");
        var abc = refit.GetProperty("abc");
        var rfm = refit.GetProperty("rfm");
        double[] Cuts(string name) => [.. rfm.GetProperty(name).EnumerateArray().Select(v => v.GetDouble())];
        return new Refit(new AbcThresholds(Nullable(abc, "minSpendA"), Nullable(abc, "minSpendB")),
            new RfmCuts(Cuts("recency"), Cuts("frequency"), Cuts("monetary")), sweep);
    }

    private static double? Nullable(JsonElement element, string name) =>
        element.GetProperty(name) is { ValueKind: JsonValueKind.Number } value ? value.GetDouble() : null;

    /// <summary>The tier the thresholds give a one-purchase customer (the rules' default: no CLV bands).</summary>
    private static string Label(Refit refit, double spend) => refit.Abc.Classify(spend).ToString();

    private static (string, RfmGroup) Traits(Refit refit, double spend, double silence) => (Label(refit, spend), refit.Rfm.Score(silence, 1, spend).Group);

    private static string? ToOf(Change change) => JsonDocument.Parse(change.DataJson).RootElement.GetProperty("to").GetString();

    private static string? FromOf(Change change) => JsonDocument.Parse(change.DataJson).RootElement.GetProperty("from").GetString();

    private static async Task PurchaseAsync(EngineHost engine, IEnumerable<(string Id, double Spend)> customers, DateTimeOffset at, Dictionary<string, double> spends)
    {
        var list = customers.ToList();
        var ack = await engine.Client.Ingest().SubmitAsync(Events.Batch([.. list.Select(c => Events.Purchase(c.Id, c.Spend, at))]), cancellationToken: Ct);
        Assert.Equal(list.Count, ack.Accepted);
        foreach (var (id, spend) in list) spends[id] = spend;
    }

    /// <summary>The feed after <paramref name="after"/> up to the first stage change of <paramref name="customer"/>.</summary>
    private static Task<List<Change>> WatchUntilStageOfAsync(EngineHost engine, long after, string customer) =>
        SweepFeed.WatchUntilAsync(engine, after, c => c.CustomerId == customer && c.Kind == "stage.changed");
}

public sealed class EmbeddedPopulationSweepTests(EmbeddedEngineFixture engine)
    : PopulationSweepContract(() => engine.Host), IClassFixture<EmbeddedEngineFixture>;

public sealed class ClusterPopulationSweepTests(ClusterEngineFixture engine)
    : PopulationSweepContract(() => engine.Gateway), IClassFixture<ClusterEngineFixture>;

/// <summary>
/// A rules change starts the sweep as a refit does: CLV bands' thresholds moved in the rules file retier the idle
/// customer the new threshold moves, and only that one is woken.
/// </summary>
public sealed class RulesChangeSweepTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_changed_band_threshold_in_the_rules_file_retiers_idle_customers_and_wakes_only_them()
    {
        var data = Directory.CreateTempSubdirectory("engagement-sweep-").FullName;
        var rulesFile = Path.Combine(data, "rules.json");
        static string Rules(int gold) => $$"""{ "Engagement": { "Rules": { "Tiers": { "ClvBands": true, "GoldMinClv": {{gold}} } } } }""";
        await File.WriteAllTextAsync(rulesFile, Rules(500), Ct);
        var engine = await EngineHost.StartEmbeddedAsync(data);
        try
        {
            var at = DateTimeOffset.UtcNow.AddDays(-1);
            var run = Guid.NewGuid().ToString("N")[..8];
            var (bronze, silver, gold) = ($"bronze-{run}", $"silver-{run}", $"gold-{run}");
            var visitors = Enumerable.Range(1, 2).Select(i => $"visitor-{run}-{i}").ToList();
            var ack = await engine.Client.Ingest().SubmitAsync(Events.Batch(
            [
                Events.Purchase(bronze, 100, at), Events.Purchase(silver, 300, at), Events.Purchase(gold, 600, at),
                .. visitors.Select(v => Events.Visit(v, at)),
            ]), cancellationToken: Ct);
            Assert.Equal(5, ack.Accepted);
            // No refit yet: no CLV model, so the band is the net spend's; tier C for all (no thresholds).
            await SweepFeed.WatchUntilAsync(engine, 0, c => c.CustomerId == silver && c.Kind == "tier.changed");

            await File.WriteAllTextAsync(rulesFile, Rules(250), Ct);
            using var admin = engine.Http(TestKeys.Admin);
            JsonElement sweep = default;
            await Wait.UntilAsync(async () =>
            {
                sweep = await admin.GetFromJsonAsync<JsonElement>("/api/population/sweep", Ct);
                return sweep.GetProperty("reason").GetString() == "rules" && sweep.GetProperty("state").GetString() == "done";
            }, TimeSpan.FromSeconds(60), "the sweep after the rules change is done");
            Assert.Equal(5, sweep.GetProperty("examined").GetInt64());
            Assert.Equal(1, sweep.GetProperty("changed").GetInt64());
            Assert.Equal(1, sweep.GetProperty("woken").GetInt64());

            var retiered = await SweepFeed.WatchUntilAsync(engine, 0, c => c.CustomerId == silver && c.Kind == "tier.changed" && c.DataJson.Contains("\"C/Gold\"", StringComparison.Ordinal));
            Assert.Equal("""{"from":"C/Silver","to":"C/Gold"}""", retiered[^1].DataJson.Replace(" ", "", StringComparison.Ordinal));
        }
        finally
        {
            await engine.DisposeAsync();
            EngineHost.TryDelete(data);
        }
    }
}

internal static class SweepFeed
{
    /// <summary>The feed after <paramref name="after"/> up to the first change <paramref name="last"/> holds of (within a minute).</summary>
    public static async Task<List<Change>> WatchUntilAsync(EngineHost engine, long after, Func<Change, bool> last)
    {
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        watching.CancelAfter(TimeSpan.FromSeconds(60));
        using var call = engine.Client.Changes().Watch(new WatchChangesRequest { AfterSequence = after }, cancellationToken: watching.Token);
        var list = new List<Change>();
        while (list.Count == 0 || !last(list[^1]))
        {
            Assert.True(await call.ResponseStream.MoveNext(watching.Token));
            list.Add(call.ResponseStream.Current);
        }
        return list;
    }
}

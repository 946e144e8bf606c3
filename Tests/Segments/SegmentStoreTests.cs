using Engagement.Model;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;
using Engagement.Tests.Query;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Engagement.Tests.Segments;

/// <summary>
/// The segment store on real SQLite and PostgreSQL: every version kept with who and when, optimistic concurrency, a removal
/// as a version; the rules file seeds only names the API never touched; and the dry run's count over a synthetic population
/// written through the journal equals a direct computation over the generated digests.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class SegmentStoreTests(TestStores stores)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly SegmentAuthor Ada = new("ada", "admin");

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Every_version_is_kept_with_who_and_when_and_a_removal_is_a_version(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 2, 9, 30, 0, TimeSpan.Zero));
        var segments = new SqlSegmentStore(store.Dialect, clock);
        Assert.Equal(0, await segments.RevisionAsync(Ct));

        var first = await segments.WriteAsync("VIP_at_risk", "tier = A and churn_risk > 0.5", "A customers at risk", Ada, expectedVersion: 0, Ct);
        Assert.Equal(SegmentWriteStatus.Saved, first.Status);
        Assert.Equal(1, first.Current!.Version);
        clock.Advance(TimeSpan.FromMinutes(5));
        var same = await segments.WriteAsync("vip_at_risk", "tier = A and churn_risk > 0.5", "A customers at risk", new SegmentAuthor("bob", "admin"), null, Ct);
        Assert.Equal(SegmentWriteStatus.Unchanged, same.Status);
        Assert.Equal(1, same.Current!.Version);
        var stale = await segments.WriteAsync("vip_at_risk", "tier = A", "", new SegmentAuthor("bob", "admin"), expectedVersion: 0, Ct);
        Assert.Equal(SegmentWriteStatus.Conflict, stale.Status);
        Assert.Equal(1, stale.Current!.Version);
        var second = await segments.WriteAsync("vip_at_risk", "tier = A and churn_risk > 0.6", "tighter", new SegmentAuthor("bob", "admin"), expectedVersion: 1, Ct);
        Assert.Equal(2, second.Current!.Version);
        clock.Advance(TimeSpan.FromMinutes(5));
        var removed = await segments.WriteAsync("vip_at_risk", null, "", new SegmentAuthor("cy", "admin"), expectedVersion: 2, Ct);
        Assert.Equal(SegmentWriteStatus.Saved, removed.Status);
        Assert.True(removed.Current!.Removed);
        Assert.Equal(SegmentWriteStatus.NotFound, (await segments.WriteAsync("vip_at_risk", null, "", Ada, null, Ct)).Status);
        await segments.WriteAsync("newsletter", "region = north", "", Ada, null, Ct);

        var history = await segments.HistoryAsync("VIP_AT_RISK", Ct);
        Assert.Equal([3, 2, 1], history.Select(v => v.Version));
        Assert.Equal([null, "tier = A and churn_risk > 0.6", "tier = A and churn_risk > 0.5"], history.Select(v => v.Rule));
        Assert.Equal(["cy", "bob", "ada"], history.Select(v => v.ChangedBy));
        Assert.All(history, v => Assert.Equal("admin", v.Role));
        Assert.All(history, v => Assert.Equal("VIP_at_risk", v.Name));
        Assert.Equal([clock.GetUtcNow(), clock.GetUtcNow().AddMinutes(-5), clock.GetUtcNow().AddMinutes(-10)], history.Select(v => v.ChangedAt));
        Assert.Equal(["newsletter"], (await segments.CurrentAsync(cancellationToken: Ct)).Select(v => v.Name));
        Assert.Equal(4, await segments.RevisionAsync(Ct));

        // Defined again after its removal, in other case: the history goes on, under the name as first spelt.
        var again = await segments.WriteAsync("vip_at_risk", "tier = A", "", Ada, expectedVersion: 0, Ct);
        Assert.Equal(4, again.Current!.Version);
        Assert.Equal(["newsletter", "VIP_at_risk"], (await segments.CurrentAsync(cancellationToken: Ct)).Select(v => v.Name));
        Assert.Equal(["VIP_at_risk"], (await segments.CurrentAsync("newsletter", 10, Ct)).Select(v => v.Name));
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task The_rules_file_seeds_only_names_the_api_never_touched(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        var segments = new SqlSegmentStore(store.Dialect, TimeProvider.System);

        Assert.Equal(3, await segments.SeedAsync(File(("big", "total_spend > 500"), ("north", "region = north"), ("gone", "tier = C")), Ct));
        Assert.Equal(0, await segments.SeedAsync(File(("big", "total_spend > 500"), ("north", "region = north"), ("gone", "tier = C")), Ct));
        await segments.WriteAsync("north", "region = north and tier = A", "edited", Ada, null, Ct);

        // The file changes every rule and drops "gone": "big" follows it, "gone" is removed, "north" stays the API's.
        Assert.Equal(2, await segments.SeedAsync(File(("big", "total_spend > 800"), ("North", "region = south")), Ct));
        var current = (await segments.CurrentAsync(cancellationToken: Ct)).ToDictionary(v => v.Name, v => v);
        Assert.Equal(["big", "north"], current.Keys.Order());
        Assert.Equal("total_spend > 800", current["big"].Rule);
        Assert.Equal(("file", "rules file", "file"), (current["big"].Source, current["big"].ChangedBy, current["big"].Role));
        Assert.Equal("region = north and tier = A", current["north"].Rule);
        Assert.Equal("api", current["north"].Source);
        var gone = await segments.HistoryAsync("gone", Ct);
        Assert.True(gone[0].Removed);
        Assert.Equal(2, gone[0].Version);

        // Seeding from several silos at once writes each version once.
        var fresh = new SqlSegmentStore((await stores.CreateAsync(kind, Ct)).Dialect, TimeProvider.System);
        var written = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => fresh.SeedAsync(File(("a", "tier = A"), ("b", "tier = B")), Ct)));
        Assert.Equal(2, written.Sum());
        Assert.Equal(2, await fresh.RevisionAsync(Ct));
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task A_dry_run_counts_what_a_direct_computation_over_the_population_counts(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        var customers = SyntheticCustomers.Generate(20_000, seed: 17);
        await using (var journal = new GroupCommitJournal(store.Dialect, 1000, NullLogger<GroupCommitJournal>.Instance))
        {
            await SyntheticCustomers.WriteAsync(journal, customers, Ct);
        }
        var dryRun = new SegmentDryRun(store.Dialect);
        var stages = new StageRules();
        const int today = 700_450;
        string? Region(CustomerDigest c) => SyntheticCustomers.Attribute(c, "region");
        var cases = new (string Rule, Func<CustomerDigest, bool> Direct)[]
        {
            ("tier = A and region = north", c => c.Tier.Split('/')[0] == "A" && Region(c) == "north"),
            ("churn_risk >= 0.5 and stage in (AtRisk, Lapsed)", c => c.ChurnRisk >= 0.5 && c.Stage is "AtRisk" or "Lapsed"),
            ("rfm_group = Champions or (f >= 4 and not (city = 'City 3'))",
                c => c.RfmGroup == "Champions" || (c.RfmCell.Length == 3 && c.RfmCell[1] - '0' >= 4 && SyntheticCustomers.Attribute(c, "city") != "city 3")),
            ("clv_band = Gold and total_spend > 4000", c => c.Tier.EndsWith("/Gold", StringComparison.Ordinal) && c.TotalSpend > 4000),
            ("recency_days <= 100 and purchase_days >= 20 and risk_band = High", c => today - c.LastPurchaseDay <= 100 && c.PurchaseDays >= 20 && c.ChurnRisk >= stages.LapsedThreshold),
            ("gender = F and region not in (south, west)", c => SyntheticCustomers.Attribute(c, "gender") == "f" && Region(c) is not ("south" or "west")),
        };
        foreach (var (rule, direct) in cases)
        {
            var count = await dryRun.CountAsync(SegmentParser.Parse(rule), today, stages, Ct);
            var expected = customers.Count(direct);
            Assert.True(expected > 0, $"'{rule}' matches someone");
            Assert.Equal((rule, (long)expected, 20_000L), (rule, count.Matching, count.Examined));
            Assert.Empty(count.TraitsNotStored);
        }

        var partial = await dryRun.CountAsync(SegmentParser.Parse("tier = A and engagement > 50"), today, stages, Ct);
        Assert.Equal(0, partial.Matching);
        Assert.Equal(["engagement"], partial.TraitsNotStored);
    }

    private static Dictionary<string, string> File(params (string Name, string Rule)[] segments) =>
        segments.ToDictionary(s => s.Name, s => s.Rule, StringComparer.OrdinalIgnoreCase);
}

using Engagement.Model;

namespace Engagement.Tests.Model;

public sealed class RfmTests
{
    [Theory]
    [InlineData(5, 5, 5, RfmGroup.Champions)]
    [InlineData(5, 4, 4, RfmGroup.Champions)]
    [InlineData(4, 5, 5, RfmGroup.Champions)]
    [InlineData(4, 4, 3, RfmGroup.Loyal)]
    [InlineData(3, 5, 5, RfmGroup.Loyal)]
    [InlineData(5, 3, 3, RfmGroup.PotentialLoyalist)]
    [InlineData(4, 2, 1, RfmGroup.PotentialLoyalist)]
    [InlineData(5, 1, 1, RfmGroup.New)]
    [InlineData(4, 1, 1, RfmGroup.Promising)]
    [InlineData(3, 3, 3, RfmGroup.NeedAttention)]
    [InlineData(3, 1, 2, RfmGroup.AboutToSleep)]
    [InlineData(2, 5, 5, RfmGroup.AtRisk)]
    [InlineData(1, 3, 2, RfmGroup.AtRisk)]
    [InlineData(1, 5, 4, RfmGroup.CantLoseThem)]
    [InlineData(2, 2, 1, RfmGroup.Hibernating)]
    [InlineData(1, 1, 1, RfmGroup.Lost)]
    [InlineData(1, 2, 2, RfmGroup.Lost)]
    public void Cells_map_to_named_groups(int r, int f, int m, RfmGroup group) => Assert.Equal(group, new RfmScore(r, f, m).Group);

    [Fact]
    public void Every_one_of_the_125_cells_has_a_group_and_every_group_a_cell()
    {
        var groups = (from r in Enumerable.Range(1, 5) from f in Enumerable.Range(1, 5) from m in Enumerable.Range(1, 5) select new RfmScore(r, f, m).Group).ToHashSet();
        Assert.Equal(Enum.GetValues<RfmGroup>().ToHashSet(), groups);
    }

    [Theory]
    // Values 1..10: cut points 2, 4, 6, 8.
    [InlineData(1, 1, 5)]
    [InlineData(2, 1, 5)]
    [InlineData(3, 2, 4)]
    [InlineData(6, 3, 3)]
    [InlineData(7, 4, 2)]
    [InlineData(8, 4, 2)]
    [InlineData(9, 5, 1)]
    [InlineData(100, 5, 1)]
    public void Scores_by_population_quintiles(double value, int higherIsBetter, int lowerIsBetter)
    {
        var cuts = Rfm.QuintileCuts([.. Enumerable.Range(1, 10).Select(i => (double)i)]);
        Assert.Equal([2.0, 4, 6, 8], cuts);
        Assert.Equal(higherIsBetter, Rfm.ScoreHigherIsBetter(value, cuts));
        Assert.Equal(lowerIsBetter, Rfm.ScoreLowerIsBetter(value, cuts));
    }

    [Fact]
    public void Ties_in_a_skewed_population_share_a_score()
    {
        // Most customers bought on one day only: they all score F = 1; anyone more frequent scores 5.
        var cuts = Rfm.QuintileCuts([1, 1, 1, 1, 1, 1, 1, 1, 2, 3]);
        Assert.Equal(1, Rfm.ScoreHigherIsBetter(1, cuts));
        Assert.Equal(5, Rfm.ScoreHigherIsBetter(2, cuts));
    }
}

public sealed class AbcTests
{
    [Theory]
    // spends; expected tiers in the same order
    [InlineData(new[] { 50.0, 30, 15, 5 }, "AABC")]
    [InlineData(new[] { 60.0, 30, 10 }, "AAB")]
    [InlineData(new[] { 40.0, 40, 10, 10 }, "AABB")]
    [InlineData(new[] { 79.0, 1, 20 }, "ACA")]
    [InlineData(new[] { 100.0 }, "A")]
    [InlineData(new[] { 25.0, 25, 25, 25 }, "AAAA")]
    [InlineData(new[] { 90.0, 5, 5, 0 }, "ABBC")]
    [InlineData(new[] { 0.0, 0 }, "CC")]
    public void Classifies_by_cumulative_revenue_keeping_ties_together(double[] spends, string tiers)
    {
        var thresholds = AbcThresholds.FromSpends(spends, 0.80, 0.15);
        Assert.Equal(tiers, string.Concat(spends.Select(s => thresholds.Classify(s).ToString())));
    }

    [Fact]
    public void The_group_that_reaches_eighty_percent_is_in_A()
    {
        // 70 + 20 = 90%: the 20 is needed to reach 80%, so both are A.
        var thresholds = AbcThresholds.FromSpends([70, 20, 6, 4], 0.80, 0.15);
        Assert.Equal(20, thresholds.MinSpendA);
        Assert.Equal(6, thresholds.MinSpendB);
        Assert.Equal(ValueTier.C, thresholds.Classify(4));
    }
}

public sealed class PopulationSampleTests
{
    private static readonly DateTimeOffset AsOf = new(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Merging_shards_gives_the_same_sample_as_one_pass_over_everyone()
    {
        var members = Enumerable.Range(0, 500).Select(i => (Id: $"c{i}", Member: Member(i))).ToArray();
        var whole = new PopulationSample { Capacity = 100 };
        foreach (var (id, m) in members) whole.Add(m with { Key = PopulationSample.KeyOf(id) }, [$"tier:{(i(id) % 3 == 0 ? "A" : "C")}"]);

        var shards = Enumerable.Range(0, 4).Select(_ => new PopulationSample { Capacity = 100 }).ToArray();
        foreach (var (id, m) in members) shards[i(id) % 4].Add(m with { Key = PopulationSample.KeyOf(id) }, [$"tier:{(i(id) % 3 == 0 ? "A" : "C")}"]);
        var merged = PopulationSample.Merge(PopulationSample.Merge(shards[2], shards[0]), PopulationSample.Merge(shards[3], shards[1]));

        Assert.Equal(whole.Members.Select(m => m.Key), merged.Members.Select(m => m.Key));
        Assert.Equal(100, merged.Members.Count);
        Assert.Equal(500, merged.Purchasers);
        Assert.Equal(whole.Counts["tier:A"], merged.Counts["tier:A"]);
        Assert.Equal(167, merged.Counts["tier:A"]);

        static int i(string id) => int.Parse(id[1..]);
    }

    [Fact]
    public void Statistics_below_capacity_are_exact_and_carry_version_and_time()
    {
        var sample = new PopulationSample();
        for (var i = 0; i < 10; i++) sample.Add(Member(i) with { Key = (ulong)i });
        sample.Add(null);

        var stats = PopulationStatistics.Build(sample, AsOf, 7, new EngagementRules());

        Assert.Equal(7, stats.Version);
        Assert.Equal(AsOf, stats.AsOf);
        Assert.Equal(11, stats.Customers);
        Assert.Equal(10, stats.Purchasers);
        Assert.Equal(Rfm.QuintileCuts([.. Enumerable.Range(0, 10).Select(i => 10.0 * (i + 1))]), stats.Rfm!.Monetary);
        Assert.Equal(AbcThresholds.FromSpends(Enumerable.Range(0, 10).Select(i => 10.0 * (i + 1)), 0.8, 0.15), stats.Abc);
    }

    [Fact]
    public void A_fit_without_enough_data_keeps_the_previous_parameters_and_says_so()
    {
        var previous = PopulationStatistics.Empty with { BgNbd = new(0.2, 4, 0.8, 2.4) };
        var sample = new PopulationSample();
        sample.Add(new PopulationMember(1, 0, 0, 10, 10, 1, 20, 0));

        var stats = PopulationStatistics.Build(sample, AsOf, 2, new EngagementRules(), previous);

        Assert.Equal(previous.BgNbd, stats.BgNbd);
        Assert.False(stats.BgNbdFit!.Converged);
        Assert.Contains("previous parameters kept", stats.BgNbdFit.Status);
    }

    [Fact]
    public void One_time_buyers_are_judged_against_the_repeat_customers_rhythm()
    {
        var stats = PopulationStatistics.Empty with { RepeatGapQuantiles = [.. Enumerable.Range(0, 21).Select(k => 10.0 + 2 * k)] };
        Assert.Equal(1, stats.ShareOfRhythmsAtLeast(5));
        Assert.Equal(0.5, stats.ShareOfRhythmsAtLeast(30)!.Value, 1e-12);
        Assert.Equal(0.2, stats.ShareOfRhythmsAtLeast(42)!.Value, 1e-12);
        Assert.Equal(0, stats.ShareOfRhythmsAtLeast(60));
        Assert.Null(PopulationStatistics.Empty.ShareOfRhythmsAtLeast(30));
    }

    private static PopulationMember Member(int i) =>
        new(0, i % 4, 5 * (i % 4), 60, 60 - 5 * (i % 4), i % 4 + 1, 10.0 * (i + 1), i % 4 == 0 ? 0 : 10);
}

public sealed class PopulationRefitTests
{
    [Fact]
    public void Sharded_refit_from_summaries_gives_the_parameters_of_a_direct_fit()
    {
        // Purchase histories generated from BG/NBD (weeks turned into purchase days), summarised as the grains
        // would, sampled in three shards and merged; the refit must equal fitting all summaries at once.
        var rules = new EngagementRules();
        var calendar = rules.GetCalendar();
        var start = new DateTimeOffset(1997, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var asOf = new DateTimeOffset(1997, 9, 30, 0, 0, 0, TimeSpan.Zero);
        var random = new Random(42);
        var summaries = new List<(string Id, PurchaseSummary Summary)>();
        foreach (var (o, i) in BgNbdTests.Simulate(new(0.3, 4, 0.8, 2.5), 3_000, random).Select((o, i) => (o, i)))
        {
            var first = start.AddDays(random.Next(0, 90));
            var summary = new PurchaseSummary();
            summary.AddPurchase(first, 20, calendar);
            // x repeat days spread evenly up to t_x (days), all within the calibration period.
            var lastDay = Math.Min((int)Math.Round(o.Tx * 7), (int)(asOf - first).TotalDays);
            for (var k = 1; k <= o.X && lastDay >= k; k++) summary.AddPurchase(first.AddDays(Math.Round((double)lastDay * k / o.X)), 15 + k, calendar);
            summaries.Add(($"c{i}", summary));
        }

        var shards = Enumerable.Range(0, 3).Select(_ => new PopulationSample()).ToArray();
        foreach (var (id, summary) in summaries) shards[int.Parse(id[1..]) % 3].Add(PopulationMember.From(id, summary, asOf, calendar));
        var stats = PopulationStatistics.Build(PopulationSample.Merge(shards[0], PopulationSample.Merge(shards[1], shards[2])), asOf, 1, rules);

        var direct = Engagement.Model.Clv.BgNbd.Fit([.. summaries.Select(s => s.Summary.ToBgNbd(asOf, calendar, 7))]);
        Assert.True(stats.BgNbdFit!.Converged, stats.BgNbdFit.Status);
        Assert.Equal(direct.Parameters.R, stats.BgNbd!.R, 1e-6);
        Assert.Equal(direct.Parameters.Alpha, stats.BgNbd.Alpha, 1e-5);
        Assert.Equal(direct.Parameters.A, stats.BgNbd.A, 1e-6);
        Assert.Equal(direct.Parameters.B, stats.BgNbd.B, 1e-5);
        Assert.Equal(direct.LogLikelihood, stats.BgNbdFit.LogLikelihood!.Value, 1e-6);
    }
}

using System.Net.Http.Json;
using System.Text.Json;
using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;

namespace Engagement.Tests.Customers;

/// <summary>
/// The sweep beyond tiers and RFM groups: a rules change that moves the at-risk threshold moves idle customers' stages
/// (from their stored churn risk) and wakes only them; and a sweep interrupted by an engine restart resumes from its
/// stored position, finishes, and emits no change twice. Real embedded engines on SQLite files, real gRPC and HTTP.
/// </summary>
public sealed class SweepStageAndResumeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_lower_at_risk_threshold_in_the_rules_file_moves_idle_customers_to_at_risk_and_wakes_only_them()
    {
        var data = Directory.CreateTempSubdirectory("engagement-stage-sweep-").FullName;
        var rulesFile = Path.Combine(data, "rules.json");
        static string Rules(double atRisk) =>
            $$"""{ "Engagement": { "Rules": { "Stages": { "AtRiskThreshold": {{atRisk.ToString(System.Globalization.CultureInfo.InvariantCulture)}} } } } }""";
        await File.WriteAllTextAsync(rulesFile, Rules(0.5), Ct);
        var engine = await EngineHost.StartEmbeddedAsync(data);
        try
        {
            var at = DateTimeOffset.UtcNow.AddDays(-1);
            var run = Guid.NewGuid().ToString("N")[..8];
            var (high, medium, calm) = ($"high-{run}", $"medium-{run}", $"calm-{run}");
            await engine.Client.SubmitAcceptedAsync(
                Events.Purchase(high, 100, at), Events.Purchase(medium, 100, at), Events.Purchase(calm, 100, at),
                Events.Complaint(high, ComplaintSeverity.High, at.AddHours(1)), Events.Complaint(medium, ComplaintSeverity.Medium, at.AddHours(1)));
            // Acknowledged events are committed with their changes: a marker's change after them is after theirs.
            var marker = $"marker-{run}";
            await engine.Client.SubmitAcceptedAsync(Events.Purchase(marker, 1, at));
            var start = await SweepFeed.WatchUntilAsync(engine, 0, c => c.CustomerId == marker && c.Kind == "stage.changed");
            using var integration = engine.Http(TestKeys.Integration);
            var rows = await RowsAsync(integration, run, 3);
            var risks = rows.ToDictionary(r => r.GetProperty("customerId").GetString()!, r => r.GetProperty("churnRisk").GetDouble());
            Assert.All(rows, r => Assert.NotEqual("AtRisk", r.GetProperty("stage").GetString()));
            // Below 0.5, the high-severity complaint weighs most: a threshold just under its risk moves that customer only.
            Assert.True(risks[high] > risks[medium] && risks[medium] >= risks[calm] && risks[high] < 0.5, string.Join(", ", risks));
            var threshold = Math.Round((risks[high] + risks[medium]) / 2, 4);

            await File.WriteAllTextAsync(rulesFile, Rules(threshold), Ct);
            using var admin = engine.Http(TestKeys.Admin);
            JsonElement sweep = default;
            await Wait.UntilAsync(async () =>
            {
                sweep = await admin.GetFromJsonAsync<JsonElement>("/api/population/sweep", Ct);
                return sweep.GetProperty("reason").GetString() == "rules" && sweep.GetProperty("state").GetString() == "done";
            }, Patience, "the sweep after the rules change is done");
            Assert.Equal(4, sweep.GetProperty("examined").GetInt64());
            Assert.Equal(1, sweep.GetProperty("changed").GetInt64());
            Assert.Equal(1, sweep.GetProperty("woken").GetInt64());
            var moved = await SweepFeed.WatchUntilAsync(engine, start[^1].Sequence, c => c.CustomerId == high && c.Kind == "stage.changed");
            Assert.Equal("AtRisk", JsonDocument.Parse(moved[^1].DataJson).RootElement.GetProperty("to").GetString());
            Assert.Equal(["AtRisk", "New", "New"], (await RowsAsync(integration, run, 3)).OrderBy(r => r.GetProperty("customerId").GetString())
                .Select(r => r.GetProperty("stage").GetString()).OrderBy(s => s));
        }
        finally
        {
            await engine.DisposeAsync();
            EngineHost.TryDelete(data);
        }
    }

    [Fact]
    public async Task A_sweep_interrupted_by_a_restart_resumes_from_its_position_and_emits_no_change_twice()
    {
        var data = Directory.CreateTempSubdirectory("engagement-sweep-resume-").FullName;
        // Slow wakes, so that the restart lands in the middle of the sweep.
        var settings = new Dictionary<string, string> { ["Engagement:Sweep:MaxWakesPerSecond"] = "3", ["Engagement:Sweep:Concurrency"] = "1" };
        var run = Guid.NewGuid().ToString("N")[..8];
        var customers = Enumerable.Range(1, 24).Select(i => $"resume-{run}-{i:00}").ToList();
        var segment = $"all_{run}";
        long generation;
        long lastBefore;
        try
        {
            await using (var engine = await EngineHost.StartEmbeddedAsync(data, settings))
            {
                var at = DateTimeOffset.UtcNow.AddDays(-2);
                await engine.Client.SubmitAcceptedAsync([.. customers.Select(id => Events.Purchase(id, 50, at))]);
                // Acknowledged events are committed with their changes: a marker's change after them is after theirs.
                await engine.Client.SubmitAcceptedAsync(Events.Purchase($"marker0-{run}", 1, at));
                lastBefore = (await SweepFeed.WatchUntilAsync(engine, 0, c => c.CustomerId == $"marker0-{run}" && c.Kind == "stage.changed"))[^1].Sequence;
                using var admin = engine.Http(TestKeys.Admin);
                var put = await admin.PutAsJsonAsync($"/api/segments/{segment}", new { rule = "total_spend > 0" }, Ct);
                put.EnsureSuccessStatusCode();
                JsonElement sweep = default;
                await Wait.UntilAsync(async () =>
                {
                    sweep = await admin.GetFromJsonAsync<JsonElement>("/api/population/sweep", Ct);
                    return sweep.GetProperty("reason").GetString() == "segments" && sweep.GetProperty("woken").GetInt64() >= 6;
                }, Patience, "the sweep is under way");
                Assert.Equal("running", sweep.GetProperty("state").GetString());
                generation = sweep.GetProperty("generation").GetInt64();
            }

            await using (var engine = await EngineHost.StartEmbeddedAsync(data, settings))
            {
                using var admin = engine.Http(TestKeys.Admin);
                JsonElement sweep = default;
                var first = true;
                var resumedAt = -1;
                await Wait.UntilAsync(async () =>
                {
                    sweep = await admin.GetFromJsonAsync<JsonElement>("/api/population/sweep", Ct);
                    if (first) resumedAt = sweep.GetProperty("bucketsDone").GetInt32();
                    first = false;
                    return sweep.GetProperty("state").GetString() == "done";
                }, Patience, "the resumed sweep is done");
                // The same sweep, not a new one; it resumed from a stored position past the start.
                Assert.Equal(generation, sweep.GetProperty("generation").GetInt64());
                Assert.True(resumedAt > 0, $"resumed from bucket {resumedAt}");
                Assert.Equal(1024, sweep.GetProperty("bucketsDone").GetInt32());

                var marker = $"marker-{run}";
                await engine.Client.SubmitAcceptedAsync(Events.Purchase(marker, 1, DateTimeOffset.UtcNow.AddDays(-1)));
                var feed = await SweepFeed.WatchUntilAsync(engine, lastBefore, c => c.CustomerId == marker && c.Kind == "stage.changed");
                var entered = feed.Where(c => c.Kind == "segment.entered" && customers.Contains(c.CustomerId)).ToList();
                Assert.Equal(customers, entered.Select(c => c.CustomerId).Order());
                Assert.Equal(entered.Count, entered.Select(c => c.CustomerId).Distinct().Count());
                // Nothing else of these customers moved: their other traits were up to date.
                Assert.All(feed.Where(c => customers.Contains(c.CustomerId)), c => Assert.Equal("segment.entered", c.Kind));
            }
        }
        finally
        {
            EngineHost.TryDelete(data);
        }
    }

    private static async Task<List<JsonElement>> RowsAsync(HttpClient integration, string run, int expected)
    {
        var page = await integration.GetFromJsonAsync<JsonElement>("/api/query/customers?pageSize=500", Ct);
        var rows = page.GetProperty("customers").EnumerateArray()
            .Where(r => r.GetProperty("customerId").GetString()!.EndsWith(run, StringComparison.Ordinal) && !r.GetProperty("customerId").GetString()!.StartsWith("marker", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(expected, rows.Count);
        return rows;
    }
}

using System.Net.Http.Json;
using System.Text.Json;
using Engagement.Contracts.V1;
using Engagement.Grains.Hosting;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Engagement.Tests.Console;

/// <summary>
/// How customers moved in the last hour of business time: first purchases move customers from Prospect to
/// New, a second purchase day after a refit moves a big spender to Repeat and from tier C to A; the grid of
/// stage × tier follows the customers; an hour later the moves have left the window.
/// </summary>
public sealed class PopulationFlowTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Flow_shows_stage_and_tier_moves_of_the_last_hour_and_the_stage_by_tier_grid()
    {
        var clock = new FakeTimeProvider(Start);
        // Only the events of this test evaluate customers: no silence checks in between. The grid is counted at every read.
        await using var engine = await EngineHost.StartEmbeddedAsync(
            settings: [new("Engagement:Silence:PollInterval", "00:10:00"), new("Engagement:Population:CellsRefresh", "00:00:00")],
            services: s => s.AddKeyedSingleton<TimeProvider>(EngagementClock.Key, clock));
        using var http = engine.Http(TestKeys.Agent);

        const string big = "big-spender";
        var small = Enumerable.Range(0, 5).Select(i => $"small-{i}").ToArray();
        await engine.Client.SubmitAcceptedAsync([Events.Purchase(big, 500, Start.AddDays(-3)), .. small.Select(c => Events.Purchase(c, 10, Start.AddDays(-3)))]);
        await Wait.UntilAsync(async () => Moves(await FlowAsync(http), "stageMoves").GetValueOrDefault(("Prospect", "New")) == 6,
            TimeSpan.FromSeconds(30), "six first purchases: six moves from Prospect to New");

        var flow = await FlowAsync(http);
        Assert.Equal(new Dictionary<(string, string), long> { [("New", "C")] = 6 }, Cells(flow));
        Assert.Equal(Start, flow.GetProperty("cellsAsOf").GetDateTimeOffset());

        // The first refit sets the ABC thresholds: the big spender is now an A, the small ones Bs; the sweep after the refit
        // retiers the idle small ones, the big spender moves with its next event.
        clock.Advance(TimeSpan.FromMinutes(5));
        await engine.RefitPopulationAsync();

        clock.Advance(TimeSpan.FromMinutes(5));
        await engine.Client.SubmitAcceptedAsync([Events.Purchase(big, 100, Start.AddDays(-1))]);
        await Wait.UntilAsync(async () => Moves(await FlowAsync(http), "tierMoves") is var moves
                && moves.GetValueOrDefault(("C", "A")) == 1 && moves.GetValueOrDefault(("C", "B")) == 5,
            TimeSpan.FromSeconds(30), "the big spender's move from tier C to A, the idle small ones' from C to B");
        flow = await FlowAsync(http);
        Assert.Equal(new Dictionary<(string, string), long> { [("Prospect", "New")] = 6, [("New", "Repeat")] = 1 }, Moves(flow, "stageMoves"));
        Assert.Equal(new Dictionary<(string, string), long> { [("C", "A")] = 1, [("C", "B")] = 5 }, Moves(flow, "tierMoves"));
        Assert.Equal(clock.GetUtcNow(), flow.GetProperty("asOf").GetDateTimeOffset());
        Assert.Equal(clock.GetUtcNow().AddHours(-1), flow.GetProperty("since").GetDateTimeOffset());
        Assert.Equal(new Dictionary<(string, string), long> { [("New", "B")] = 5, [("Repeat", "A")] = 1 }, Cells(flow));
        Assert.Equal(clock.GetUtcNow(), flow.GetProperty("cellsAsOf").GetDateTimeOffset());

        // An hour on, the moves have left the window; the grid stays.
        clock.Advance(TimeSpan.FromMinutes(62));
        flow = await FlowAsync(http);
        Assert.Empty(Moves(flow, "stageMoves"));
        Assert.Empty(Moves(flow, "tierMoves"));
        Assert.Equal(6, Cells(flow).Values.Sum());
    }

    private static async Task<JsonElement> FlowAsync(HttpClient http) =>
        await http.GetFromJsonAsync<JsonElement>("/api/population/flow", Ct);

    private static Dictionary<(string From, string To), long> Moves(JsonElement flow, string property) =>
        flow.GetProperty(property).EnumerateArray().ToDictionary(
            m => (m.GetProperty("from").GetString()!, m.GetProperty("to").GetString()!), m => m.GetProperty("count").GetInt64());

    private static Dictionary<(string Stage, string Tier), long> Cells(JsonElement flow) =>
        flow.GetProperty("cells").EnumerateArray().ToDictionary(
            c => (c.GetProperty("stage").GetString()!, c.GetProperty("tier").GetString()!), c => c.GetProperty("count").GetInt64());
}

using System.Net.Http.Json;
using Engagement.Grains.Population;
using Engagement.Model;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.Tests.Infrastructure;

/// <summary>What an admin does to a running test engine.</summary>
public static class EngineAdmin
{
    /// <summary>Refits the population over HTTP, as an admin would, and returns the statistics as the engine's grains hold them.</summary>
    public static async Task<PopulationStatistics> RefitPopulationAsync(this EngineHost engine)
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = engine.Http(TestKeys.Admin);
        (await http.PostAsync("/api/population/refit", null, ct)).EnsureSuccessStatusCode();
        return await engine.Services.GetRequiredService<IGrainFactory>().GetGrain<IPopulationStatisticsGrain>(0).Statistics().WaitAsync(ct);
    }

    /// <summary>Refits the population and checks that BG/NBD was fitted (the tests' simulated population is large enough).</summary>
    public static async Task<PopulationStatistics> RefitFittedAsync(this EngineHost engine)
    {
        var statistics = await engine.RefitPopulationAsync();
        Assert.True(statistics.BgNbd is not null, statistics.BgNbdFit?.Status);
        return statistics;
    }

    /// <summary>
    /// Waits until the population sweep that follows a refit has gone through every bucket, so that idle customers'
    /// tiers (and what the worklists and the feed show of them) no longer move under a test.
    /// </summary>
    public static Task UntilSweptAsync(this EngineHost engine, PopulationStatistics statistics) => engine.UntilSweptAsync(statistics.Version);

    /// <summary>Refits the population over HTTP only (a cluster gateway holds no model types) and returns the new statistics' version.</summary>
    public static async Task<long> RefitOverHttpAsync(this EngineHost engine)
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = engine.Http(TestKeys.Admin);
        using var response = await http.PostAsync("/api/population/refit", null, ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(ct)).GetProperty("version").GetInt64();
    }

    /// <inheritdoc cref="UntilSweptAsync(EngineHost, PopulationStatistics)"/>
    public static async Task UntilSweptAsync(this EngineHost engine, long version)
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = engine.Http(TestKeys.Admin);
        await Wait.UntilAsync(async () =>
        {
            var sweep = await http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/population/sweep", ct);
            return sweep.GetProperty("statisticsVersion").GetInt64() >= version && sweep.GetProperty("state").GetString() == "done";
        }, TimeSpan.FromSeconds(120), $"the sweep after refit {version} is done");
    }
}

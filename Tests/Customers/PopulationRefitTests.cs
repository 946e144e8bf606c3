using Engagement.Contracts.V1;
using Engagement.Model;
using Engagement.Model.Clv;
using Engagement.Tests.Infrastructure;
using MathNet.Numerics.Distributions;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Engagement.Tests.Customers;

/// <summary>
/// The engine's population refit gives the parameters the model library (and so the CLI's fit) gives
/// on the same history: a CDNOW-shaped history (a first-purchase cohort over 12 weeks, repeat purchases
/// from the BG/NBD story, 39 calibration weeks) is streamed in over gRPC and refitted as of the
/// calibration end.
/// </summary>
public sealed class PopulationRefitTests
{
    private static readonly DateTimeOffset CohortStart = new(1997, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset CalibrationEnd = new(1997, 9, 30, 0, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_refit_as_of_the_calibration_end_gives_the_parameters_of_a_direct_fit()
    {
        var history = Simulate(new BgNbdParameters(0.25, 4.4, 0.8, 2.4), customers: 600, new Random(2005));
        await using var engine = await EngineHost.StartEmbeddedAsync();

        var events = history.SelectMany(c => c.Purchases.Select(p => Events.Purchase(c.Id, p.Amount, p.At))).ToList();
        foreach (var chunk in events.Chunk(500))
        {
            var ack = await engine.Client.Ingest().SubmitAsync(Events.Batch(chunk), cancellationToken: Ct);
            Assert.Equal(chunk.Length, ack.Accepted);
        }

        using var http = new HttpClient { BaseAddress = engine.WebAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestKeys.Admin);
        var response = await http.PostAsync("/api/population/refit?asOf=1997-09-30", null, Ct);
        response.EnsureSuccessStatusCode();
        var refit = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);

        // The library on the same history, prepared as the CLI's fit prepares it: purchases by calendar
        // day, time in weeks, T to the calibration end.
        var direct = BgNbd.Fit([.. history.Select(c =>
        {
            var summary = new PurchaseSummary();
            foreach (var p in c.Purchases) summary.AddPurchase(p.At, (decimal)p.Amount, PurchaseCalendar.Utc);
            return summary.ToBgNbd(CalibrationEnd, PurchaseCalendar.Utc, 7);
        })]);
        Assert.True(direct.Converged, direct.Status);

        Assert.Equal(history.Count, refit.GetProperty("customers").GetInt64());
        Assert.Equal(CalibrationEnd, refit.GetProperty("asOf").GetDateTimeOffset());
        var fitted = refit.GetProperty("bgNbd");
        Assert.Equal(direct.Parameters!.R, fitted.GetProperty("r").GetDouble(), 1e-4);
        Assert.Equal(direct.Parameters.Alpha, fitted.GetProperty("alpha").GetDouble(), 1e-3);
        Assert.Equal(direct.Parameters.A, fitted.GetProperty("a").GetDouble(), 1e-3);
        Assert.Equal(direct.Parameters.B, fitted.GetProperty("b").GetDouble(), 1e-3);
        Assert.Equal(direct.LogLikelihood, refit.GetProperty("bgNbdFit").GetProperty("logLikelihood").GetDouble(), 1e-4);
        Assert.True(refit.GetProperty("bgNbdFit").GetProperty("converged").GetBoolean());

        // The population at a glance: every customer counted once by stage and once by tier.
        var counts = refit.GetProperty("counts").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        Assert.Equal(history.Count, counts.Where(c => c.Key.StartsWith("stage:", StringComparison.Ordinal)).Sum(c => c.Value));
        Assert.Equal(history.Count, counts.Where(c => c.Key.StartsWith("tier:", StringComparison.Ordinal)).Sum(c => c.Value));

        // A refit with a bad as-of time is a 400 with problem details, and changes nothing.
        var bad = await http.PostAsync("/api/population/refit?asOf=yesterday-ish", null, Ct);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        var current = await http.GetFromJsonAsync<JsonElement>("/api/population", Ct);
        Assert.Equal(refit.GetProperty("version").GetInt64(), current.GetProperty("version").GetInt64());
    }

    private sealed record SimulatedCustomer(string Id, List<(DateTimeOffset At, double Amount)> Purchases);

    /// <summary>
    /// A cohort whose first purchases spread over 12 weeks; then, per customer, a Poisson purchase rate
    /// λ ~ Gamma(r, α) per week and a drop-out chance p ~ Beta(a, b) after each repeat purchase, until the
    /// calibration end. Purchases are at noon, so each is its own calendar day unless two fall on one.
    /// </summary>
    private static List<SimulatedCustomer> Simulate(BgNbdParameters parameters, int customers, Random random)
    {
        var weeks = (CalibrationEnd - CohortStart).TotalDays / 7;
        var list = new List<SimulatedCustomer>();
        for (var i = 0; i < customers; i++)
        {
            var lambda = Gamma.Sample(random, parameters.R, parameters.Alpha);
            var p = Beta.Sample(random, parameters.A, parameters.B);
            var time = Math.Floor(random.NextDouble() * 12 * 7) / 7;
            var purchases = new List<(DateTimeOffset, double)> { (At(time), 10 + random.Next(90)) };
            while (true)
            {
                time += Exponential.Sample(random, lambda);
                if (time >= weeks - 1.0 / 7) break;
                purchases.Add((At(time), 10 + random.Next(90)));
                if (random.NextDouble() < p) break;
            }
            list.Add(new SimulatedCustomer($"sim-{i}-{Guid.NewGuid():N}", purchases));
        }
        return list;
    }

    private static DateTimeOffset At(double weeks) => CohortStart.AddDays(Math.Floor(weeks * 7)).AddHours(12);
}

using Engagement.Contracts.V1;
using MathNet.Numerics.Distributions;

namespace Engagement.Tests.Infrastructure;

/// <summary>A population to fit, from the BG/NBD story, for tests that need fitted population statistics.</summary>
public static class SimulatedPopulation
{
    /// <summary>
    /// 300 customers: weekly purchase rates λ ~ Gamma(0.8, 4), a drop-out chance p ~ Beta(1, 4) after each
    /// repeat purchase, first purchases in the 8 weeks from half a year before <paramref name="now"/>.
    /// </summary>
    public static Event[] Purchases(DateTimeOffset now, int seed = 17)
    {
        var random = new Random(seed);
        var start = now.AddDays(-182);
        var events = new List<Event>();
        for (var i = 0; i < 300; i++)
        {
            var customer = $"pop-{i}-{Guid.NewGuid():N}";
            var lambda = Gamma.Sample(random, 0.8, 4);
            var p = Beta.Sample(random, 1, 4);
            var week = random.NextDouble() * 8;
            events.Add(Events.Purchase(customer, 10 + random.Next(90), start.AddDays(week * 7)));
            while (true)
            {
                week += Exponential.Sample(random, lambda);
                if (week >= 26) break;
                events.Add(Events.Purchase(customer, 10 + random.Next(90), start.AddDays(week * 7)));
                if (random.NextDouble() < p) break;
            }
        }
        return [.. events];
    }
}

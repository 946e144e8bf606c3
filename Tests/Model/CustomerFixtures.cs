using Engagement.Model;
using Engagement.Model.Clv;

namespace Engagement.Tests.Model;

/// <summary>A population and a clock shared by the customer tests: CDNOW-like model parameters, weeks as the unit.</summary>
internal static class CustomerFixtures
{
    public static readonly DateTimeOffset Start = new(2024, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static readonly PopulationStatistics Population = PopulationStatistics.Empty with
    {
        Version = 1,
        AsOf = Start,
        ModelTimeUnitDays = 7,
        BgNbd = new BgNbdParameters(0.243, 4.414, 0.793, 2.426),
        GammaGamma = new GammaGammaParameters(6.25, 3.74, 15.44),
        Abc = new AbcThresholds(MinSpendA: 500, MinSpendB: 100),
        Rfm = new RfmCuts([10, 30, 60, 120], [1, 1, 2, 3], [20, 50, 100, 200]),
        // Repeat customers' mean gaps from 10 to 50 days: a one-time buyer silent 30 days has P(alive) ½.
        RepeatGapQuantiles = [.. Enumerable.Range(0, 21).Select(k => 10.0 + 2 * k)],
    };

    public static DateTimeOffset Day(double days) => Start.AddDays(days);

    /// <summary>A customer with a purchase on each of the given days (amount 50 each).</summary>
    public static CustomerModel Buyer(EngagementRules rules, params double[] days)
    {
        var customer = new CustomerModel { CustomerId = "c-1" };
        foreach (var d in days) customer.Purchase(Day(d), 50, rules);
        return customer;
    }
}

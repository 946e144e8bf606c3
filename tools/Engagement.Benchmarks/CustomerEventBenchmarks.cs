using BenchmarkDotNet.Attributes;
using Engagement.Model;

namespace Engagement.Benchmarks;

/// <summary>
/// Applying one event to a customer with the model library, alone and followed by the evaluation a grain runs
/// after it (traits, stage, tier, churn risk, next best action), against population statistics fitted on a
/// synthetic population. The customer already has a year of history, as a live customer would.
/// </summary>
[Config(typeof(ModelConfig))]
public class CustomerEventBenchmarks
{
    private static readonly DateTimeOffset Start = new(2024, 1, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly EngagementRules _rules = new();
    private PopulationStatistics _population = PopulationStatistics.Empty;
    private CustomerModel _customer = new();
    private DateTimeOffset _now;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var calendar = _rules.GetCalendar();
        var asOf = Start.AddDays(365);
        var sample = new PopulationSample();
        for (var c = 0; c < 5_000; c++)
        {
            var summary = new PurchaseSummary();
            var purchases = random.Next(1, 12);
            for (var p = 0; p < purchases; p++) summary.AddPurchase(Start.AddDays(random.NextDouble() * 365), 5 + random.Next(200), calendar);
            sample.Add(PopulationMember.From($"c{c}", summary, asOf, calendar));
        }
        _population = PopulationStatistics.Build(sample, asOf, 1, _rules);

        _customer = new CustomerModel { CustomerId = "bench" };
        for (var d = 0; d < 365; d += 7)
        {
            _customer.Purchase(Start.AddDays(d), 40, _rules);
            _customer.Visit(Start.AddDays(d + 1), _rules);
        }
        _now = asOf;
    }

    // Each call moves the clock a minute on: a stream of events on the same customer, mostly within one day.
    private DateTimeOffset Next() => _now = _now.AddMinutes(1);

    [Benchmark(Description = "purchase")]
    public void Purchase() => _customer.Purchase(Next(), 25, _rules);

    [Benchmark(Description = "visit")]
    public void Visit() => _customer.Visit(Next(), _rules);

    [Benchmark(Description = "evaluate")]
    public CustomerEvaluation Evaluate() => _customer.Evaluate(Next(), _population, _rules);

    [Benchmark(Description = "purchase + evaluate")]
    public CustomerEvaluation PurchaseAndEvaluate()
    {
        var at = Next();
        _customer.Purchase(at, 25, _rules);
        return _customer.Evaluate(at, _population, _rules);
    }
}

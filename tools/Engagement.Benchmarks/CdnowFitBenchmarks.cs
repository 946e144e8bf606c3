using System.Globalization;
using BenchmarkDotNet.Attributes;
using Engagement.Model;
using Engagement.Model.Clv;

namespace Engagement.Benchmarks;

/// <summary>
/// The population fits on the CDNOW master file (23,570 customers, calibration to 1997-09-30 as in Fader, Hardie
/// and Lee 2005, time in weeks): BG/NBD on one observation per customer, Gamma-Gamma on the repeat customers, and
/// the engine's periodic refit (<see cref="PopulationStatistics.Build"/>: RFM cuts, ABC, both fits on grouped data).
/// </summary>
[Config(typeof(FitConfig))]
public class CdnowFitBenchmarks
{
    private static readonly DateOnly CalibrationEnd = new(1997, 9, 30);

    private readonly EngagementRules _rules = new();
    private BgNbdObservation[] _purchases = [];
    private SpendObservation[] _spend = [];
    private PopulationSample _sample = new();
    private DateTimeOffset _asOf;

    [GlobalSetup]
    public void Setup()
    {
        var path = CdnowFile.Locate() ?? throw new InvalidOperationException(CdnowFile.Missing);
        _asOf = new DateTimeOffset(CalibrationEnd.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var calendar = PurchaseCalendar.Utc;
        var customers = new Dictionary<string, PurchaseSummary>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            // customer id, yyyymmdd, CDs, dollars
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 4) continue;
            var day = DateOnly.ParseExact(fields[1], "yyyyMMdd", CultureInfo.InvariantCulture);
            if (day > CalibrationEnd) continue;
            if (!customers.TryGetValue(fields[0], out var summary)) customers[fields[0]] = summary = new PurchaseSummary();
            summary.AddPurchase(new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), decimal.Parse(fields[3], CultureInfo.InvariantCulture), calendar);
        }

        _purchases = [.. customers.Values.Select(c => c.ToBgNbd(_asOf, calendar, 7))];
        _spend = [.. customers.Values.Select(c => c.ToSpend()).Where(s => s.X > 0)];
        _sample = new PopulationSample();
        foreach (var (id, summary) in customers) _sample.Add(PopulationMember.From(id, summary, _asOf, calendar));
        Console.WriteLine($"// CDNOW master: {customers.Count} customers, {_spend.Length} repeat customers in calibration");
    }

    [Benchmark(Description = "BG/NBD fit (per customer)")]
    public ModelFit<BgNbdParameters> BgNbdFit() => BgNbd.Fit(_purchases);

    [Benchmark(Description = "Gamma-Gamma fit")]
    public ModelFit<GammaGammaParameters> GammaGammaFit() => GammaGamma.Fit(_spend);

    [Benchmark(Description = "population refit (both fits, RFM, ABC)")]
    public PopulationStatistics PopulationRefit() => PopulationStatistics.Build(_sample, _asOf, 1, _rules);
}

/// <summary>Where the CDNOW master file is: <c>ENGAGEMENT_CDNOW_MASTER</c>, or shared/datasets/cdnow beside an enclosing folder.</summary>
public static class CdnowFile
{
    public const string Variable = "ENGAGEMENT_CDNOW_MASTER";

    public const string Missing =
        "CDNOW master not found: set ENGAGEMENT_CDNOW_MASTER to CDNOW_master.txt, or keep it at shared/datasets/cdnow/ beside the repository.";

    public static string? Locate()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } given) return File.Exists(given) ? Path.GetFullPath(given) : null;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
            {
                var candidate = Path.Combine(folder.FullName, "shared", "datasets", "cdnow", "CDNOW_master.txt");
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }
}

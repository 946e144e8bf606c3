using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Engagement.Feeds.Replay;
using Engagement.Model;
using Engagement.Model.Clv;
using Spectre.Console;

namespace Engagement.Cli;

/// <summary>
/// <c>fit &lt;transactions-file&gt; --calibration-end yyyy-mm-dd [--json] [--predictions out.csv]</c>: builds each
/// customer's purchase summary from the transactions up to and including the calibration end (purchases
/// grouped by day, time in weeks), fits BG/NBD on (x, t_x, T) and Gamma-Gamma on the repeat customers'
/// (x, m_x), and prints the estimates.
/// </summary>
public static class FitCommand
{
    private const double DaysPerWeek = 7;
    private const double PredictionHorizonWeeks = 52;

    public static Command Create()
    {
        var file = new Argument<FileInfo>("transactions-file") { Description = "CDNOW-format transactions (customer id, yyyymmdd, units, amount)." };
        var calibrationEnd = new Option<DateOnly>("--calibration-end") { Description = "Last day of the calibration period (inclusive), e.g. 1997-09-30.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the estimates as one JSON object." };
        var predictions = new Option<FileInfo?>("--predictions") { Description = "Write per-customer predictions (52 weeks) to this CSV file." };
        var discountRate = new Option<double>("--discount-rate") { Description = "Annual discount rate for the CLV column.", DefaultValueFactory = _ => 0.10 };

        var command = new Command("fit", "Fit BG/NBD and Gamma-Gamma to a transaction file.") { file, calibrationEnd, json, predictions, discountRate };
        command.SetAction(parse => Run(
            parse.GetValue(file)!,
            parse.GetValue(calibrationEnd),
            parse.GetValue(json),
            parse.GetValue(predictions),
            parse.GetValue(discountRate)));
        return command;
    }

    private static int Run(FileInfo file, DateOnly calibrationEnd, bool asJson, FileInfo? predictionsFile, double discountRate)
    {
        if (!file.Exists)
        {
            Console.Error.WriteLine($"fit: file not found: {file.FullName}");
            return 1;
        }

        var asOf = new DateTimeOffset(calibrationEnd.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var customers = Summarise(file.FullName, calibrationEnd);
        var bgNbdData = customers.Values.Select(c => c.ToBgNbd(asOf, PurchaseCalendar.Utc, DaysPerWeek)).ToArray();
        var spendData = customers.Values.Select(c => c.ToSpend()).Where(s => s.X > 0).ToArray();

        var bgNbd = BgNbd.Fit(bgNbdData);
        var gammaGamma = GammaGamma.Fit(spendData);

        if (asJson) PrintJson(customers.Count, spendData.Length, bgNbd, gammaGamma);
        else PrintTable(file.Name, calibrationEnd, customers.Count, spendData.Length, bgNbd, gammaGamma);

        if (predictionsFile is not null)
        {
            WritePredictions(predictionsFile.FullName, customers, asOf, bgNbd.Parameters, gammaGamma.Parameters, discountRate);
        }

        if (bgNbd.Converged && gammaGamma.Converged) return 0;
        Console.Error.WriteLine($"fit: the optimiser did not converge (BG/NBD: {bgNbd.Status}; Gamma-Gamma: {gammaGamma.Status}).");
        return 2;
    }

    /// <summary>Customers whose first purchase falls in the calibration period, with their calibration purchases.</summary>
    private static SortedDictionary<string, PurchaseSummary> Summarise(string path, DateOnly calibrationEnd)
    {
        var customers = new SortedDictionary<string, PurchaseSummary>(StringComparer.Ordinal);
        foreach (var t in TransactionFile.Read(path))
        {
            if (t.Date > calibrationEnd) continue;
            if (!customers.TryGetValue(t.CustomerId, out var summary)) customers[t.CustomerId] = summary = new PurchaseSummary();
            summary.AddPurchase(new DateTimeOffset(t.Date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), t.Amount, PurchaseCalendar.Utc);
        }

        return customers;
    }

    private static void PrintJson(int customers, int repeaters, ModelFit<BgNbdParameters> bgNbd, ModelFit<GammaGammaParameters> gammaGamma)
    {
        var (r, alpha, a, b) = bgNbd.Parameters;
        var (p, q, v) = gammaGamma.Parameters;
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            customers,
            repeaters,
            bgnbd = new { r, alpha, a, b, log_likelihood = bgNbd.LogLikelihood },
            gamma_gamma = new { p, q, v },
        }));
    }

    private static void PrintTable(string fileName, DateOnly calibrationEnd, int customers, int repeaters,
        ModelFit<BgNbdParameters> bgNbd, ModelFit<GammaGammaParameters> gammaGamma)
    {
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(fileName)}[/], calibration to {calibrationEnd:yyyy-MM-dd}, time in weeks, purchases grouped by day");
        AnsiConsole.MarkupLine($"customers [bold]{customers}[/], repeaters [bold]{repeaters}[/]");

        var table = new Table().AddColumn("model").AddColumn("parameter").AddColumn(new TableColumn("estimate").RightAligned());
        var (r, alpha, a, b) = bgNbd.Parameters;
        AddRows(table, "BG/NBD", ("r", r), ("α", alpha), ("a", a), ("b", b), ("log-likelihood", bgNbd.LogLikelihood));
        var (p, q, v) = gammaGamma.Parameters;
        AddRows(table, "Gamma-Gamma", ("p", p), ("q", q), ("γ (v)", v), ("log-likelihood", gammaGamma.LogLikelihood));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(Markup.Escape($"BG/NBD: {bgNbd.Method}, {bgNbd.Iterations} iterations, {bgNbd.Status}"));
        AnsiConsole.MarkupLine(Markup.Escape($"Gamma-Gamma: {gammaGamma.Method}, {gammaGamma.Iterations} iterations, {gammaGamma.Status}"));
    }

    private static void AddRows(Table table, string model, params (string Name, double Value)[] rows)
    {
        foreach (var (name, value) in rows) table.AddRow(model, name, value.ToString("F4", CultureInfo.InvariantCulture));
    }

    private static void WritePredictions(string path, SortedDictionary<string, PurchaseSummary> customers, DateTimeOffset asOf,
        BgNbdParameters bgNbd, GammaGammaParameters gammaGamma, double discountRate)
    {
        var horizon = ClvHorizon.OneYearInWeeks(discountRate) with { Horizon = PredictionHorizonWeeks };
        var csv = new StringBuilder("customer_id,x,t_x,T,p_alive,expected_purchases_52w,expected_spend,clv\n");
        foreach (var (id, summary) in customers)
        {
            var o = summary.ToBgNbd(asOf, PurchaseCalendar.Utc, DaysPerWeek);
            var clv = CustomerLifetimeValue.Estimate(bgNbd, gammaGamma, o.X, o.Tx, o.T, (double)summary.MeanRepeatSpend, (double)summary.TotalSpend, horizon);
            csv.Append(CultureInfo.InvariantCulture,
                $"{id},{o.X},{o.Tx:0.######},{o.T:0.######},{clv.ProbabilityAlive:0.######},{clv.ExpectedPurchases:0.######},{clv.ExpectedSpendPerPurchase:0.####},{clv.Total:0.##}\n");
        }

        File.WriteAllText(path, csv.ToString());
    }
}

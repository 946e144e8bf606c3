using Engagement.Model.Clv;

namespace Engagement.Model;

public enum ChurnRiskBand { Low, Elevated, High }

public enum ChurnReasonKind
{
    Silence,
    OpenHighSeverityComplaint,
    OpenMediumSeverityComplaint,
    DetractorAnswer,
    RepeatedUnresolvedContacts,
    Cancellation,
}

/// <summary>
/// One contribution to the churn risk: <see cref="Weight"/> is the signal's own strength (for silence,
/// 1 − P(alive)), <see cref="Contribution"/> how much it added to the total in the order listed; the
/// contributions add up to the risk.
/// </summary>
public sealed record ChurnReason(ChurnReasonKind Kind, double Weight, double Contribution, string Detail);

public sealed record ChurnRisk(double Value, ChurnRiskBand Band, IReadOnlyList<ChurnReason> Reasons)
{
    /// <summary>The product of (1 − weight) over the service signals: what silence is multiplied with.</summary>
    public double ServiceSignalSurvival =>
        Reasons.Where(r => r.Kind != ChurnReasonKind.Silence).Aggregate(1.0, (s, r) => s * (1 - r.Weight));

    public string Summary => Reasons.Count == 0
        ? $"churn risk {Value * 100:0}%"
        : $"churn risk {Value * 100:0}%: " + string.Join("; ", Reasons.Select(r => r.Detail));
}

/// <summary>
/// How alive a customer's purchase history says they are, on what basis (in words, for the card and the alerts), and
/// after how many days without a purchase.
/// </summary>
public readonly record struct Aliveness(double Probability, string Basis, double SilenceDays = 0);

/// <summary>Probabilities and counts in the words an agent reads: "about 1 in 5 chance", "2 purchases".</summary>
public static class PlainWords
{
    /// <summary>"about 1 in 5 chance still active" for 0.22; "about 7 in 10 chance" above one half; "almost certainly" near the ends.</summary>
    public static string ChanceStillActive(double probability) => probability switch
    {
        >= 0.95 => "almost certainly still active",
        <= 0.02 => "almost certainly gone",
        < 0.5 => Invariant($"about 1 in {Math.Round(1 / probability):0} chance still active"),
        _ => Invariant($"about {Math.Round(probability * 10):0} in 10 chance still active"),
    };

    /// <summary>"1 day", "504 days".</summary>
    public static string Days(double days) => Math.Round(days) == 1 ? "1 day" : Invariant($"{Math.Round(days):0} days");

    /// <summary>A stage as words: "at risk", "won back", "lapsed".</summary>
    public static string Stage(LifecycleStage stage) => stage switch
    {
        LifecycleStage.AtRisk => "at risk",
        LifecycleStage.WonBack => "won back",
        _ => stage.ToString().ToLowerInvariant(),
    };

    /// <summary>"opened today", "open for 1 day", "open for 9 days".</summary>
    public static string OpenFor(double days) => days < 1 ? "opened today" : $"open for {Days(days)}";

    /// <summary>The text with its first letter in upper case.</summary>
    public static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    /// <summary>"1 purchase", "3 purchases".</summary>
    public static string Purchases(int count) => count == 1 ? "1 purchase" : Invariant($"{count} purchases");

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}

/// <summary>
/// Churn risk with its reasons. Silence contributes 1 − P(alive); each active service signal s with weight wₛ
/// raises the risk as in a noisy-OR: risk = 1 − (1 − silence) · Π (1 − wₛ); an explicit cancellation makes it 1.
/// <para>
/// P(alive) comes from BG/NBD for repeat customers: silence judged against the customer's own rhythm. BG/NBD
/// gives P(alive) = 1 to a customer without repeat purchases (it only lets customers drop out after a repeat
/// purchase), so a one-time buyer would never become at risk. With <see cref="OneTimeBuyerSilence.PopulationRhythm"/>
/// (the default) a one-time buyer's P(alive) is the share of repeat customers whose mean gap between purchase
/// days is at least the buyer's silence: silent for longer than 80% of repeat customers' rhythm gives 0.2.
/// Without a fitted model yet, repeat customers are judged the same way on their days since the last purchase.
/// </para>
/// </summary>
public static class ChurnModel
{
    /// <summary>P(alive) for a history of <paramref name="frequency"/> repeat days, the last after <paramref name="recencyDays"/>, observed for <paramref name="ageDays"/>.</summary>
    public static Aliveness ProbabilityAlive(bool hasPurchases, int frequency, double recencyDays, double ageDays, PopulationStatistics population, EngagementRules rules)
    {
        var (p, basis) = Alive(hasPurchases, frequency, recencyDays, ageDays, population, rules);
        var silence = ageDays - recencyDays;
        var history = PlainWords.Purchases(frequency + 1); // purchase days: several purchases on one day are one visit to the shop
        return new Aliveness(p, basis switch
        {
            AliveBasis.NoPurchase => "No purchase yet",
            AliveBasis.BgNbd => $"No purchase for {PlainWords.Days(silence)} after {history}; {PlainWords.ChanceStillActive(p)}",
            AliveBasis.OneTimeBuyerModelOnly => "One purchase so far: too early to judge the silence",
            AliveBasis.Rhythm => $"No purchase for {PlainWords.Days(silence)} {(frequency == 0 ? "after 1 purchase" : $"after {history} (no fitted model yet)")}; "
                + $"{p * 100:0}% of repeat customers wait that long between purchases; {PlainWords.ChanceStillActive(p)}",
            _ => "Not enough customers seen yet to judge the silence",
        }, hasPurchases ? silence : 0);
    }

    private enum AliveBasis { NoPurchase, BgNbd, OneTimeBuyerModelOnly, Rhythm, NoRhythm }

    /// <summary>P(alive) and what it rests on, without its text: <see cref="NextCrossing"/> asks for it a dozen times per evaluation.</summary>
    private static (double Probability, AliveBasis Basis) Alive(bool hasPurchases, int frequency, double recencyDays, double ageDays, PopulationStatistics population, EngagementRules rules)
    {
        if (!hasPurchases) return (1, AliveBasis.NoPurchase);
        if (frequency > 0 && population.BgNbd is { } model)
        {
            var unit = population.ModelTimeUnitDays;
            return (BgNbd.ProbabilityAlive(model, frequency, recencyDays / unit, ageDays / unit), AliveBasis.BgNbd);
        }

        if (frequency == 0 && rules.Churn.OneTimeBuyer == OneTimeBuyerSilence.ModelOnly) return (1, AliveBasis.OneTimeBuyerModelOnly);

        return population.ShareOfRhythmsAtLeast(ageDays - recencyDays) is { } share ? (share, AliveBasis.Rhythm) : (1, AliveBasis.NoRhythm);
    }

    /// <summary>The churn risk and its reasons from P(alive) and the service signals.</summary>
    public static ChurnRisk Assess(
        Aliveness alive,
        SatisfactionSnapshot satisfaction,
        int unresolvedContacts,
        string? activeCancellationReason,
        EngagementRules rules)
    {
        var c = rules.Churn;
        var reasons = new List<ChurnReason>();
        var risk = 0.0;

        void Raise(ChurnReasonKind kind, double weight, string detail)
        {
            if (weight <= 0) return;
            var next = 1 - (1 - risk) * (1 - weight);
            reasons.Add(new ChurnReason(kind, weight, next - risk, detail));
            risk = next;
        }

        // Less than a day after a purchase the customer has just been seen buying: the model's small chance that they
        // stopped right there is not a reason an agent can act on, so silence counts from the first full day.
        if (alive.SilenceDays >= 1) Raise(ChurnReasonKind.Silence, 1 - alive.Probability, alive.Basis);
        var open = satisfaction.OpenComplaints;
        if (open.FirstOrDefault(o => o.Severity == ComplaintSeverity.High) is { } high)
        {
            Raise(ChurnReasonKind.OpenHighSeverityComplaint, c.OpenHighSeverityComplaint, $"High-severity complaint {high.Ticket} {PlainWords.OpenFor(high.AgeDays)}");
        }
        else if (open.FirstOrDefault(o => o.Severity == ComplaintSeverity.Medium) is { } medium)
        {
            Raise(ChurnReasonKind.OpenMediumSeverityComplaint, c.OpenMediumSeverityComplaint, $"Medium-severity complaint {medium.Ticket} {PlainWords.OpenFor(medium.AgeDays)}");
        }

        if (satisfaction.NpsCategory == NpsCategory.Detractor)
        {
            Raise(ChurnReasonKind.DetractorAnswer, c.DetractorAnswer, $"Unhappy survey answer: NPS {satisfaction.LastNps} of 10");
        }

        if (unresolvedContacts >= c.UnresolvedContactsThreshold)
        {
            Raise(ChurnReasonKind.RepeatedUnresolvedContacts, c.RepeatedUnresolvedContacts, $"{unresolvedContacts} contacts left unresolved in {PlainWords.Days(c.UnresolvedContactWindowDays)}");
        }

        if (activeCancellationReason is not null)
        {
            Raise(ChurnReasonKind.Cancellation, 1, $"Cancelled: {activeCancellationReason}");
        }

        return new ChurnRisk(Math.Clamp(risk, 0, 1), BandOf(risk, rules.Stages), reasons);
    }

    public static ChurnRiskBand BandOf(double risk, StageRules stages) =>
        risk >= stages.LapsedThreshold ? ChurnRiskBand.High
        : risk >= stages.AtRiskThreshold ? ChurnRiskBand.Elevated
        : ChurnRiskBand.Low;

    /// <summary>
    /// When, with no new event, the churn risk will first reach <paramref name="threshold"/>: the start of the first
    /// calendar day on which it does. Only silence grows with time; the service signals are held as they are now
    /// (an unresolved contact leaving its window would lower the risk), so the answer is never later than the real
    /// crossing, and the caller re-evaluates then. Null when the risk is already at or above the threshold, when the
    /// customer has no purchase, or when silence alone cannot get there within <paramref name="maxDays"/>.
    /// P(alive) falls monotonically with silence, so a bisection over days finds the first such day.
    /// </summary>
    public static DateTimeOffset? NextCrossing(
        PurchaseSummary purchases,
        ChurnRisk current,
        double threshold,
        DateTimeOffset asOf,
        PopulationStatistics population,
        EngagementRules rules,
        int maxDays = 3650)
    {
        if (!purchases.HasPurchases || current.Value >= threshold) return null;
        var calendar = rules.GetCalendar();
        var survival = current.ServiceSignalSurvival;
        if (survival <= 0) return null;

        var today = calendar.DayOf(asOf);
        var firstDay = calendar.DayOf(purchases.FirstPurchaseAt!.Value);
        var recency = purchases.RecencyDays(calendar);
        bool Crossed(int day)
        {
            var age = Math.Max(recency, day - firstDay);
            var alive = Alive(true, purchases.Frequency, recency, age, population, rules).Probability;
            return 1 - alive * survival >= threshold - 1e-12;
        }

        int low = today, high = today + maxDays;
        if (!Crossed(high)) return null;
        while (high - low > 1)
        {
            var middle = low + (high - low) / 2;
            if (Crossed(middle)) high = middle;
            else low = middle;
        }

        return calendar.StartOfDay(high);
    }
}

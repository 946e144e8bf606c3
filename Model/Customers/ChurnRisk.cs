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
        ? $"churn risk {Value:0.00}"
        : $"churn risk {Value:0.00}: " + string.Join(", ", Reasons.Select(r => r.Detail));
}

/// <summary>How alive a customer's purchase history says they are, and on what basis.</summary>
public readonly record struct Aliveness(double Probability, string Basis);

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
        return new Aliveness(p, basis switch
        {
            AliveBasis.NoPurchase => "no purchase yet",
            AliveBasis.BgNbd => $"{silence:0} days without a purchase after {frequency + 1} purchase days: P(alive) {p:0.00} (BG/NBD)",
            AliveBasis.OneTimeBuyerModelOnly => "one-time buyer: BG/NBD gives P(alive) 1",
            AliveBasis.Rhythm => $"{(frequency == 0 ? "one-time buyer" : "no fitted model")} silent {silence:0} days; {p:P0} of repeat customers' rhythms are that slow",
            _ => "no population rhythm known yet",
        });
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

        Raise(ChurnReasonKind.Silence, 1 - alive.Probability, alive.Basis);
        var open = satisfaction.OpenComplaints;
        if (open.FirstOrDefault(o => o.Severity == ComplaintSeverity.High) is { } high)
        {
            Raise(ChurnReasonKind.OpenHighSeverityComplaint, c.OpenHighSeverityComplaint, $"high-severity complaint {high.Ticket} open {high.AgeDays:0} days");
        }
        else if (open.FirstOrDefault(o => o.Severity == ComplaintSeverity.Medium) is { } medium)
        {
            Raise(ChurnReasonKind.OpenMediumSeverityComplaint, c.OpenMediumSeverityComplaint, $"medium-severity complaint {medium.Ticket} open {medium.AgeDays:0} days");
        }

        if (satisfaction.NpsCategory == NpsCategory.Detractor)
        {
            Raise(ChurnReasonKind.DetractorAnswer, c.DetractorAnswer, $"detractor answer (NPS {satisfaction.LastNps})");
        }

        if (unresolvedContacts >= c.UnresolvedContactsThreshold)
        {
            Raise(ChurnReasonKind.RepeatedUnresolvedContacts, c.RepeatedUnresolvedContacts, $"{unresolvedContacts} unresolved contacts in {c.UnresolvedContactWindowDays:0} days");
        }

        if (activeCancellationReason is not null)
        {
            Raise(ChurnReasonKind.Cancellation, 1, $"cancelled: {activeCancellationReason}");
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

namespace Engagement.Model;

/// <summary>
/// Checks a rule set and says, one line per problem, what is wrong and where (configuration path and value),
/// so an operator can fix a refused hot reload from the log line alone.
/// </summary>
public static class EngagementRulesValidator
{
    public static IReadOnlyList<string> Validate(EngagementRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var errors = new List<string>();

        void Check(bool ok, string path, object? value, string requirement)
        {
            if (!ok) errors.Add($"{EngagementRules.SectionName}:{path} = {value ?? "(null)"}: {requirement}.");
        }

        void Probability(double value, string path) => Check(value is >= 0 and <= 1, path, value, "must be between 0 and 1");

        void Positive(double value, string path) => Check(double.IsFinite(value) && value > 0, path, value, "must be a positive number");

        void Weight(double value, string path) => Check(value is >= -100 and <= 100, path, value, "must be between -100 and 100");

        void Text(string? value, string path) => Check(!string.IsNullOrWhiteSpace(value), path, value, "must not be empty");

        Check(!string.IsNullOrWhiteSpace(rules.TimeZone) && TimeZoneInfo.TryFindSystemTimeZoneById(rules.TimeZone, out _),
            "TimeZone", rules.TimeZone, "is not a known time zone id (e.g. UTC, Europe/Berlin)");

        var e = rules.Engagement;
        Positive(e.HalfLifeDays, "Engagement:HalfLifeDays");
        Weight(e.Purchase, "Engagement:Purchase");
        Weight(e.Visit, "Engagement:Visit");
        Weight(e.EmailOpen, "Engagement:EmailOpen");
        Weight(e.EmailClick, "Engagement:EmailClick");
        Weight(e.ResolvedContact, "Engagement:ResolvedContact");
        Weight(e.TransferredContact, "Engagement:TransferredContact");
        Weight(e.UnresolvedContact, "Engagement:UnresolvedContact");
        Weight(e.LowSeverityComplaint, "Engagement:LowSeverityComplaint");
        Weight(e.MediumSeverityComplaint, "Engagement:MediumSeverityComplaint");
        Weight(e.HighSeverityComplaint, "Engagement:HighSeverityComplaint");

        Check(rules.Satisfaction.CsatWindow is >= 1 and <= 1000, "Satisfaction:CsatWindow", rules.Satisfaction.CsatWindow, "must be between 1 and 1000");
        Positive(rules.Satisfaction.ComplaintOverdueDays, "Satisfaction:ComplaintOverdueDays");

        var c = rules.Churn;
        Check(Enum.IsDefined(c.OneTimeBuyer), "Churn:OneTimeBuyer", c.OneTimeBuyer, "must be PopulationRhythm or ModelOnly");
        Probability(c.OpenHighSeverityComplaint, "Churn:OpenHighSeverityComplaint");
        Probability(c.OpenMediumSeverityComplaint, "Churn:OpenMediumSeverityComplaint");
        Probability(c.DetractorAnswer, "Churn:DetractorAnswer");
        Probability(c.RepeatedUnresolvedContacts, "Churn:RepeatedUnresolvedContacts");
        Check(c.UnresolvedContactsThreshold >= 1, "Churn:UnresolvedContactsThreshold", c.UnresolvedContactsThreshold, "must be at least 1");
        Positive(c.UnresolvedContactWindowDays, "Churn:UnresolvedContactWindowDays");

        var s = rules.Stages;
        Check(s.AtRiskThreshold is > 0 and < 1, "Stages:AtRiskThreshold", s.AtRiskThreshold, "must be between 0 and 1 (exclusive)");
        Check(s.LapsedThreshold is > 0 and <= 1, "Stages:LapsedThreshold", s.LapsedThreshold, "must be between 0 (exclusive) and 1");
        Check(s.LapsedThreshold > s.AtRiskThreshold, "Stages:LapsedThreshold", s.LapsedThreshold, $"must be above Stages:AtRiskThreshold ({s.AtRiskThreshold})");
        Check(s.LoyalMinPurchaseDays >= 2, "Stages:LoyalMinPurchaseDays", s.LoyalMinPurchaseDays, "must be at least 2 (Loyal is a repeat stage)");
        Check(s.LoyalMinEngagement is >= 0 and <= 100, "Stages:LoyalMinEngagement", s.LoyalMinEngagement, "must be between 0 and 100");

        var t = rules.Tiers;
        Check(t.AShare is > 0 and <= 1, "Tiers:AShare", t.AShare, "must be between 0 (exclusive) and 1");
        Check(t.BShare is >= 0 and <= 1, "Tiers:BShare", t.BShare, "must be between 0 and 1");
        Check(t.AShare + t.BShare <= 1, "Tiers:BShare", t.BShare, $"AShare + BShare must not exceed 1 (AShare is {t.AShare})");
        if (t.ClvBands)
        {
            Check(t.PlatinumMinClv > t.GoldMinClv && t.GoldMinClv > t.SilverMinClv && t.SilverMinClv >= 0,
                "Tiers:PlatinumMinClv", $"{t.PlatinumMinClv}/{t.GoldMinClv}/{t.SilverMinClv}", "CLV bands need Platinum > Gold > Silver >= 0");
        }

        Positive(rules.Clv.ModelTimeUnitDays, "Clv:ModelTimeUnitDays");
        Positive(rules.Clv.HorizonDays, "Clv:HorizonDays");
        Check(rules.Clv.AnnualDiscountRate is >= 0 and < 10, "Clv:AnnualDiscountRate", rules.Clv.AnnualDiscountRate, "must be between 0 and 10 (0.10 is 10%)");

        var a = rules.Actions;
        Text(a.FixComplaint, "Actions:FixComplaint");
        Text(a.WinBack, "Actions:WinBack");
        Text(a.RetentionCareCall, "Actions:RetentionCareCall");
        Text(a.RetentionOffer, "Actions:RetentionOffer");
        Text(a.Welcome, "Actions:Welcome");
        Text(a.Vip, "Actions:Vip");
        Text(a.Promotion, "Actions:Promotion");
        Text(a.WakeUp, "Actions:WakeUp");
        Text(a.NoSpend, "Actions:NoSpend");
        Check(a.WakeUpBelowEngagement is >= 0 and <= 100, "Actions:WakeUpBelowEngagement", a.WakeUpBelowEngagement, "must be between 0 and 100");

        Check(rules.Population.SampleCapacity is >= 100 and <= 10_000_000, "Population:SampleCapacity", rules.Population.SampleCapacity, "must be between 100 and 10,000,000");
        Check(rules.DecisionLogCapacity is >= 1 and <= 10_000, "DecisionLogCapacity", rules.DecisionLogCapacity, "must be between 1 and 10,000");

        foreach (var (name, rule) in rules.Segments)
        {
            if (string.IsNullOrWhiteSpace(name) || !name.All(ch => char.IsLetterOrDigit(ch) || ch is '_' or '-'))
            {
                errors.Add($"{EngagementRules.SectionName}:Segments:{name}: a segment name may use letters, digits, '_' and '-' only.");
            }

            try
            {
                SegmentParser.Parse(rule ?? "");
            }
            catch (SegmentParseException ex)
            {
                // The rule is quoted only when short: the error is one line an operator reads, not an echo of a file.
                var quoted = rule is { Length: <= 120 } ? $" = \"{rule}\"" : "";
                errors.Add($"{EngagementRules.SectionName}:Segments:{name}{quoted}: {ex.Message}.");
            }
        }

        return errors;
    }
}

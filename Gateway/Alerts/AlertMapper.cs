using Engagement.Contracts.Alerts;
using static Engagement.Gateway.Customers.CardMapper;
using Proto = Engagement.Contracts.V1;

namespace Engagement.Gateway.Alerts;

public static class AlertMapper
{
    public static Proto.Alert ToProto(this Alert alert)
    {
        var wire = new Proto.Alert
        {
            AlertId = alert.AlertId,
            Sequence = alert.Sequence,
            Kind = alert.Kind.ToString(),
            Severity = alert.Severity.ToString(),
            State = alert.State.ToString(),
            CustomerId = alert.CustomerId,
            Team = alert.Team,
            Title = alert.Title,
            Context = new Proto.AlertContext
            {
                Stage = alert.Context.Stage,
                Tier = alert.Context.Tier,
                ChurnRisk = alert.Context.ChurnRisk,
                PAlive = alert.Context.ProbabilityAlive,
                Clv = alert.Context.Clv,
                TotalSpend = (double)alert.Context.TotalSpend,
                LastPurchaseAt = Time(alert.Context.LastPurchaseAt),
                NextBestAction = alert.Context.NextBestAction,
            },
            RaisedAt = Time(alert.RaisedAt),
            UpdatedAt = Time(alert.UpdatedAt),
            Occurrences = alert.Occurrences,
            AcknowledgedBy = alert.AcknowledgedBy ?? "",
            AcknowledgedAt = Time(alert.AcknowledgedAt),
            AssignedTo = alert.AssignedTo ?? "",
            AssignedBy = alert.AssignedBy ?? "",
            AssignedAt = Time(alert.AssignedAt),
            ResolvedBy = alert.ResolvedBy ?? "",
            ResolvedAt = Time(alert.ResolvedAt),
            ResolutionNote = alert.ResolutionNote ?? "",
            ExpectedLoss = alert.ExpectedLoss,
            Currency = alert.Currency,
            DueBy = Time(alert.DueBy),
            Escalated = alert.Escalated,
            EscalatedAt = Time(alert.EscalatedAt),
            Outcome = alert.Outcome?.ToString() ?? "",
        };
        wire.Reasons.AddRange(alert.Reasons);
        foreach (var (name, value) in alert.Context.Profile) wire.Context.Profile[name] = value;
        return wire;
    }

}

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

    public static Proto.ListCasesResponse ToProto(this CasePage page)
    {
        var wire = new Proto.ListCasesResponse
        {
            NextPageToken = page.NextPageToken ?? "",
            TotalCases = page.TotalCases,
            AsOfSequence = page.AsOfSequence,
        };
        wire.Cases.AddRange(page.Cases.Select(ToProto));
        foreach (var (severity, count) in page.CountsBySeverity) wire.CountsBySeverity[severity.ToString()] = count;
        return wire;
    }

    public static Proto.Case ToProto(this CustomerCase @case)
    {
        var wire = new Proto.Case
        {
            CustomerId = @case.CustomerId,
            Team = @case.Team,
            Name = @case.Name ?? "",
            Severity = @case.Severity.ToString(),
            ExpectedLoss = @case.ExpectedLoss,
            Currency = @case.Currency,
            Clv = @case.Clv,
            ChurnRisk = @case.ChurnRisk,
            Stage = @case.Stage,
            Tier = @case.Tier,
            OpenedAt = Time(@case.OpenedAt),
            DueBy = Time(@case.DueBy),
            Escalated = @case.Escalated,
            AssignedTo = @case.AssignedTo ?? "",
            LastSequence = @case.LastSequence,
        };
        wire.Alerts.AddRange(@case.Alerts.Select(ToProto));
        return wire;
    }

    public static Proto.CaseAlert ToProto(this CaseAlert alert)
    {
        var wire = new Proto.CaseAlert
        {
            AlertId = alert.AlertId,
            Kind = alert.Kind.ToString(),
            Severity = alert.Severity.ToString(),
            State = alert.State.ToString(),
            Title = alert.Title,
            AssignedTo = alert.AssignedTo ?? "",
            RaisedAt = Time(alert.RaisedAt),
            DueBy = Time(alert.DueBy),
            Escalated = alert.Escalated,
            Outcome = alert.Outcome?.ToString() ?? "",
        };
        wire.Reasons.AddRange(alert.Reasons);
        return wire;
    }
}

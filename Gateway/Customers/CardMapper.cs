using Engagement.Contracts.Customers;
using Google.Protobuf.WellKnownTypes;
using Proto = Engagement.Contracts.V1;

namespace Engagement.Gateway.Customers;

/// <summary>The grain's card on the wire.</summary>
public static class CardMapper
{
    public static Proto.CustomerCard ToProto(this CustomerCard card)
    {
        var wire = new Proto.CustomerCard
        {
            CustomerId = card.CustomerId,
            Version = card.Version,
            EventCount = card.EventCount,
            PurchaseDays = card.PurchaseDays,
            PurchaseCount = card.PurchaseCount,
            TotalSpend = (double)card.TotalSpend,
            Refunded = (double)card.Refunded,
            FirstPurchaseAt = Time(card.FirstPurchaseAt),
            LastPurchaseAt = Time(card.LastPurchaseAt),
            UpdatedAt = Time(card.UpdatedAt),
            Stage = card.Stage,
            StageSince = Time(card.StageSince),
            Tier = card.Tier,
            TierSince = Time(card.TierSince),
            RfmCell = card.RfmCell,
            RfmGroup = card.RfmGroup,
            Engagement = card.Engagement,
            Satisfaction = new Proto.Satisfaction
            {
                CsatAnswers = card.Satisfaction.CsatAnswers,
                NpsCategory = card.Satisfaction.NpsCategory,
            },
            PAlive = card.ProbabilityAlive,
            Clv = card.Clv,
            ExpectedPurchases = card.ExpectedPurchases,
            ExpectedSpend = card.ExpectedSpend,
            ChurnRisk = card.ChurnRisk,
            RiskBand = card.RiskBand,
            NextBestAction = new Proto.NextBestAction
            {
                Kind = card.NextBestAction.Kind,
                Action = card.NextBestAction.Action,
                Reason = card.NextBestAction.Reason,
            },
            PopulationVersion = card.PopulationVersion,
            EvaluatedAt = Time(card.EvaluatedAt),
            RiskRisesAt = Time(card.RiskRisesAt),
            Currency = card.Currency,
            HorizonDays = card.HorizonDays,
        };
        if (card.Satisfaction.CsatMean is { } csat) wire.Satisfaction.CsatMean = csat;
        if (card.Satisfaction.LastNps is { } nps) wire.Satisfaction.LastNps = nps;
        wire.Satisfaction.OpenComplaints.AddRange(card.Satisfaction.OpenComplaints.Select(c => new Proto.OpenComplaint
        {
            TicketId = c.TicketId,
            Severity = c.Severity,
            OpenedAt = Timestamp.FromDateTimeOffset(c.OpenedAt),
            AgeDays = c.AgeDays,
            Overdue = c.Overdue,
        }));
        wire.Segments.AddRange(card.Segments);
        wire.ChurnReasons.AddRange(card.ChurnReasons.Select(r => new Proto.ChurnReason
        {
            Kind = r.Kind,
            Weight = r.Weight,
            Contribution = r.Contribution,
            Detail = r.Detail,
        }));
        wire.DecisionLog.AddRange(card.DecisionLog.Select(d => new Proto.Decision
        {
            At = Timestamp.FromDateTimeOffset(d.At),
            Kind = d.Kind,
            From = d.From,
            To = d.To,
            Cause = d.Cause,
        }));
        wire.EngagementContributions.AddRange(card.EngagementContributions.Select(c => new Proto.EngagementContribution
        {
            At = Timestamp.FromDateTimeOffset(c.At),
            Cause = c.Cause,
            Points = c.Points,
            ScoreAfter = c.ScoreAfter,
        }));
        foreach (var (name, value) in card.Profile) wire.Profile[name] = value;
        wire.RecentEvents.AddRange(card.RecentEvents.Select(e => new Proto.RecentEvent
        {
            EventId = e.EventId,
            Type = e.Type,
            Channel = e.Channel,
            OccurredAt = Timestamp.FromDateTimeOffset(e.OccurredAt),
            Summary = e.Summary,
        }));
        return wire;
    }

    /// <summary>An optional instant on the wire: unset when there is none.</summary>
    internal static Timestamp? Time(DateTimeOffset? instant) => instant is { } at ? Timestamp.FromDateTimeOffset(at) : null;
}

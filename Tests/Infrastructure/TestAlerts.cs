using Engagement.Contracts.Alerts;

namespace Engagement.Tests.Infrastructure;

/// <summary>Alerts as the alert grains write them, for the store tests.</summary>
public static class TestAlerts
{
    /// <summary>An open churn warning of the customer, raised (and last changed) at <paramref name="raisedAt"/>.</summary>
    public static Alert ChurnWarning(string alertId, string customerId, DateTimeOffset raisedAt, string team = "north") => new()
    {
        AlertId = alertId,
        Kind = AlertKind.ChurnWarning,
        Severity = AlertSeverity.Warning,
        State = AlertState.Open,
        CustomerId = customerId,
        Team = team,
        Title = "At risk",
        Context = new AlertContext { Stage = "AtRisk", Tier = "B" },
        RaisedAt = raisedAt,
        UpdatedAt = raisedAt,
    };
}

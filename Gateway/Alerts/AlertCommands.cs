using Engagement.Contracts.Alerts;

namespace Engagement.Gateway.Alerts;

/// <summary>Why a command on an alert was refused, in terms both gRPC and SignalR callers can map.</summary>
public enum AlertRefusal
{
    InvalidArgument,
    NotFound,
    PermissionDenied,
    FailedPrecondition,
}

public sealed class AlertRefusedException(AlertRefusal refusal, string message) : Exception(message)
{
    public AlertRefusal Refusal { get; } = refusal;
}

/// <summary>
/// The supervisor's commands, shared by the supervisor hub and the gRPC Alerts service: each checks
/// the alert exists and belongs to one of the caller's teams before the alert's grain changes it.
/// </summary>
public sealed class AlertCommands(IGrainFactory grains)
{
    public Task<Alert> AcknowledgeAsync(string alertId, string by, TeamScope scope) =>
        RunAsync(alertId, scope, grain => grain.Acknowledge(alertId, by));

    public Task<Alert> AssignAsync(string alertId, string agentId, string by, TeamScope scope)
    {
        if (string.IsNullOrWhiteSpace(agentId)) throw new AlertRefusedException(AlertRefusal.InvalidArgument, "agent_id: required");
        return RunAsync(alertId, scope, grain => grain.Assign(alertId, agentId, by));
    }

    public Task<Alert> ResolveAsync(string alertId, string note, string by, TeamScope scope)
    {
        if (note.Length > 4000) throw new AlertRefusedException(AlertRefusal.InvalidArgument, "note: longer than 4000 characters");
        return RunAsync(alertId, scope, grain => grain.Resolve(alertId, note, by));
    }

    private async Task<Alert> RunAsync(string alertId, TeamScope scope, Func<ICustomerAlertGrain, Task<Alert>> command)
    {
        if (string.IsNullOrWhiteSpace(alertId)) throw new AlertRefusedException(AlertRefusal.InvalidArgument, "alert_id: required");
        var key = AlertIds.GrainKeyOf(alertId) ?? throw new AlertRefusedException(AlertRefusal.NotFound, $"alert_id: no alert '{alertId}'");
        var grain = grains.GetGrain<ICustomerAlertGrain>(key);
        var current = await grain.Current();
        if (current is null || current.AlertId != alertId) throw new AlertRefusedException(AlertRefusal.NotFound, $"alert_id: no alert '{alertId}'");
        if (!scope.Sees(current.Team)) throw new AlertRefusedException(AlertRefusal.PermissionDenied, $"alert {alertId} belongs to team '{current.Team}', not one of yours");
        try
        {
            return await command(grain);
        }
        catch (AlertCommandException ex)
        {
            throw new AlertRefusedException(AlertRefusal.FailedPrecondition, ex.Message);
        }
    }
}

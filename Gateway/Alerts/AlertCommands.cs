using System.Security.Claims;
using Engagement.Contracts.Alerts;
using Engagement.Contracts.Customers;

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
/// Who acts on an alert: a supervisor (or admin) on the alerts of its teams, an agent only on the alerts assigned to it.
/// </summary>
public sealed record AlertActor(string Name, TeamScope Teams, bool OwnAssignmentsOnly)
{
    public static AlertActor Supervisor(string name, TeamScope teams) => new(name, teams, OwnAssignmentsOnly: false);

    /// <summary>The caller of a request: an agent key acts on its own assignments, other roles on their teams'.</summary>
    public static AlertActor Of(System.Security.Claims.ClaimsPrincipal user) => new(
        user.FindFirstValue(System.Security.Claims.ClaimTypes.Name) ?? "unknown", TeamScope.Of(user),
        OwnAssignmentsOnly: user.IsInRole(Security.Roles.Agent));

    /// <summary>Why the actor may not act on the alert; null when it may.</summary>
    public string? Refusal(Alert alert) =>
        OwnAssignmentsOnly
            ? alert.AssignedTo == Name ? null : $"alert {alert.AlertId} is not assigned to you"
            : Teams.Sees(alert.Team) ? null : $"alert {alert.AlertId} belongs to team '{alert.Team}', not one of yours";
}

/// <summary>
/// The commands on alerts, shared by the hubs, the gRPC Alerts service and the HTTP API: each checks the alert exists
/// and that the caller may act on it (<see cref="AlertActor"/>) before the alert's grain changes it.
/// </summary>
public sealed class AlertCommands(IGrainFactory grains)
{
    public const int MaxNoteLength = 4000;

    public Task<Alert> AcknowledgeAsync(string alertId, string by, TeamScope scope) => AcknowledgeAsync(alertId, AlertActor.Supervisor(by, scope));

    /// <remarks>
    /// An assignment is acknowledged when it is made: the agent's own acknowledgement of it answers the alert as it
    /// stands, changing nothing.
    /// </remarks>
    public Task<Alert> AcknowledgeAsync(string alertId, AlertActor actor) =>
        RunAsync(alertId, actor, (grain, alert) => actor.OwnAssignmentsOnly && alert is { State: AlertState.Assigned, AcknowledgedAt: not null }
            ? Task.FromResult(alert)
            : grain.Acknowledge(alertId, actor.Name));

    public Task<Alert> AssignAsync(string alertId, string agentId, string by, TeamScope scope)
    {
        if (string.IsNullOrWhiteSpace(agentId)) throw new AlertRefusedException(AlertRefusal.InvalidArgument, "agent_id: required");
        return RunAsync(alertId, AlertActor.Supervisor(by, scope), (grain, _) => grain.Assign(alertId, agentId, by));
    }

    public Task<Alert> ResolveAsync(string alertId, string note, string by, TeamScope scope) => ResolveAsync(alertId, note, AlertActor.Supervisor(by, scope));

    public Task<Alert> ResolveAsync(string alertId, string note, AlertActor actor)
    {
        CheckNote(note);
        return RunAsync(alertId, actor, (grain, _) => grain.Resolve(alertId, note, actor.Name));
    }

    /// <summary>
    /// Records what came of a contact as a <c>contact_outcome</c> event of the alert's customer (the customer grain
    /// journals it, and records it on the alert); answers the alert as it stands after.
    /// </summary>
    /// <remarks>
    /// With an <paramref name="idempotencyKey"/>, the request is one event (its id comes from the alert and the key, and
    /// the journal takes an event id once) and one answer: the store keeps the first answer (<see cref="IOutcomeRequestGrain"/>),
    /// and a retry with the same key gets it again, also once the outcome has resolved the alert and after a restart,
    /// instead of "resolved already". A retry of a request that was begun but not answered (the gateway stopped in
    /// between) records the event again (the journal drops it if it landed) and answers the alert as it stands.
    /// </remarks>
    public async Task<Alert> RecordOutcomeAsync(string alertId, AlertOutcome outcome, DateTimeOffset? callbackAt, string note, string? idempotencyKey,
        DateTimeOffset at, AlertActor actor)
    {
        CheckNote(note);
        var payload = new ContactOutcomePayload(outcome, callbackAt, note, actor.Name, alertId);
        if (string.IsNullOrEmpty(idempotencyKey)) return await RunAsync(alertId, actor, Record($"{OutcomeEventPrefix}{Guid.NewGuid():N}", payload, at, null));

        var eventId = $"{OutcomeEventPrefix}{alertId}|{idempotencyKey}";
        var requests = grains.GetGrain<IOutcomeRequestGrain>(0);
        var earlier = await requests.Find(eventId);
        if (earlier?.Answer is { } answered)
        {
            if (actor.Refusal(answered) is { } refusal) throw new AlertRefusedException(AlertRefusal.PermissionDenied, refusal);
            return answered;
        }
        // Begun before (and past its checks then): it may have resolved the alert itself.
        var answer = await RunAsync(alertId, actor, Record(eventId, payload, at, earlier is null ? requests : null), resolvedIsAnswer: earlier is not null);
        return await requests.Answer(eventId, answer);
    }

    /// <summary>Records the outcome's event (noting the request begun first, when given) and answers the alert as it stands after.</summary>
    private Func<ICustomerAlertGrain, Alert, Task<Alert>> Record(string eventId, ContactOutcomePayload payload, DateTimeOffset at, IOutcomeRequestGrain? begin) =>
        async (grain, alert) =>
        {
            if (begin is not null) await begin.Begin(eventId, alert.AlertId);
            await grains.GetGrain<ICustomerGrain>(alert.CustomerId).Apply([new CustomerEvent(eventId, OutcomeChannel, at, payload)]);
            return await grain.Current() is { } now && now.AlertId == alert.AlertId ? now : alert;
        };

    /// <summary>How the ids of outcome events begin; a keyed one goes on with the alert id and the key.</summary>
    public const string OutcomeEventPrefix = "contact-outcome|";

    /// <summary>The channel of the events agents record through the engine's own API.</summary>
    public const string OutcomeChannel = "agent";

    private static void CheckNote(string note)
    {
        if (note.Length > MaxNoteLength) throw new AlertRefusedException(AlertRefusal.InvalidArgument, $"note: longer than {MaxNoteLength} characters");
    }

    /// <param name="resolvedIsAnswer">A resolved alert is the answer (the command does not run) rather than a refusal.</param>
    private async Task<Alert> RunAsync(string alertId, AlertActor actor, Func<ICustomerAlertGrain, Alert, Task<Alert>> command, bool resolvedIsAnswer = false)
    {
        if (string.IsNullOrWhiteSpace(alertId)) throw new AlertRefusedException(AlertRefusal.InvalidArgument, "alert_id: required");
        var key = AlertIds.GrainKeyOf(alertId) ?? throw new AlertRefusedException(AlertRefusal.NotFound, $"alert_id: no alert '{alertId}'");
        var grain = grains.GetGrain<ICustomerAlertGrain>(key);
        var current = await grain.Current();
        if (current is null || current.AlertId != alertId) throw new AlertRefusedException(AlertRefusal.NotFound, $"alert_id: no alert '{alertId}'");
        if (actor.Refusal(current) is { } refusal) throw new AlertRefusedException(AlertRefusal.PermissionDenied, refusal);
        if (current.State == AlertState.Resolved)
        {
            return resolvedIsAnswer ? current : throw new AlertRefusedException(AlertRefusal.FailedPrecondition, $"Alert {alertId} is resolved already.");
        }
        try
        {
            return await command(grain, current);
        }
        catch (AlertCommandException ex)
        {
            throw new AlertRefusedException(AlertRefusal.FailedPrecondition, ex.Message);
        }
    }
}

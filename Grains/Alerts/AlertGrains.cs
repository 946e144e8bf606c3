using Engagement.Contracts.Alerts;
using Engagement.Storage;
using Engagement.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Utilities;

namespace Engagement.Grains.Alerts;

/// <summary>
/// The alerts of one customer and kind. Its state is the latest alert in the store; every change is
/// stored (with its sequence number, through the silo's <see cref="AlertWriter"/>) before the grain answers,
/// and published on the feed with the rest of its commit. Idle ones go after two minutes rather than Orleans'
/// default: a customer is alerted about rarely, and a million silence warnings would otherwise keep a million
/// alert activations beside the customers'; the next command reads the alert back from the store.
/// </summary>
[CollectionAgeLimit(Minutes = 2)]
public sealed class CustomerAlertGrain(IAlertStore store, AlertWriter writer, [FromKeyedServices(EngagementClock.Key)] TimeProvider businessClock)
    : Grain, ICustomerAlertGrain
{
    private Alert? _latest;
    private string _customerId = "";
    private AlertKind _kind;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        var split = key.LastIndexOf('|');
        _customerId = key[..split];
        _kind = Enum.Parse<AlertKind>(key[(split + 1)..]);
        _latest = await store.LatestAsync(_customerId, _kind, cancellationToken);
    }

    public Task<Alert?> Current() => Task.FromResult(_latest);

    public async Task<Alert> Raise(AlertCause cause)
    {
        if (cause.Kind != _kind) throw new ArgumentException($"A {cause.Kind} cause was sent to the {_kind} alerts of {_customerId}.", nameof(cause));
        var opens = _latest is null or { State: AlertState.Resolved };
        var alert = _latest is { State: not AlertState.Resolved } open
            ? open with
            {
                Severity = (AlertSeverity)Math.Max((int)open.Severity, (int)cause.Severity),
                Title = cause.Title,
                Reasons = cause.Reasons,
                Team = cause.Team,
                Context = cause.Context,
                UpdatedAt = cause.At,
                Occurrences = open.Occurrences + 1,
            }
            : new Alert
            {
                AlertId = AlertIds.Of(_customerId, _kind, _latest is null ? 1 : AlertIds.OrdinalOf(_latest.AlertId) + 1),
                Kind = _kind,
                Severity = cause.Severity,
                State = AlertState.Open,
                CustomerId = _customerId,
                Team = cause.Team,
                Title = cause.Title,
                Reasons = cause.Reasons,
                Context = cause.Context,
                RaisedAt = cause.At,
                UpdatedAt = cause.At,
            };
        var saved = await SaveAsync(alert);
        if (opens) AlertMetrics.Raised(saved);
        return saved;
    }

    public Task<Alert> Acknowledge(string alertId, string by)
    {
        var alert = Open(alertId);
        if (alert.State != AlertState.Open) throw new AlertCommandException($"Alert {alertId} is {alert.State}; only an open alert can be acknowledged.");
        var now = businessClock.GetUtcNow();
        return SaveAsync(alert with { State = AlertState.Acknowledged, AcknowledgedBy = by, AcknowledgedAt = now, UpdatedAt = now });
    }

    public Task<Alert> Assign(string alertId, string agentId, string by)
    {
        if (string.IsNullOrWhiteSpace(agentId)) throw new AlertCommandException("agentId: required");
        var alert = Open(alertId);
        var now = businessClock.GetUtcNow();
        return SaveAsync(alert with
        {
            State = AlertState.Assigned,
            AssignedTo = agentId,
            AssignedBy = by,
            AssignedAt = now,
            AcknowledgedBy = alert.AcknowledgedBy ?? by,
            AcknowledgedAt = alert.AcknowledgedAt ?? now,
            UpdatedAt = now,
        }, reassignedFrom: alert.AssignedTo is { } previous && previous != agentId ? previous : null);
    }

    public async Task<Alert> Resolve(string alertId, string note, string by)
    {
        var alert = Open(alertId);
        var now = businessClock.GetUtcNow();
        var resolved = await SaveAsync(alert with { State = AlertState.Resolved, ResolvedBy = by, ResolvedAt = now, ResolutionNote = note, UpdatedAt = now });
        AlertMetrics.Resolved(resolved);
        return resolved;
    }

    private Alert Open(string alertId)
    {
        if (_latest is null || _latest.AlertId != alertId) throw new AlertCommandException($"No alert {alertId}.");
        if (_latest.State == AlertState.Resolved) throw new AlertCommandException($"Alert {alertId} is resolved already.");
        return _latest;
    }

    /// <summary>Stores a change; <paramref name="reassignedFrom"/> is set on the one change that takes the alert from an agent.</summary>
    private async Task<Alert> SaveAsync(Alert alert, string? reassignedFrom = null) =>
        _latest = await writer.SaveAsync(alert with { ReassignedFrom = reassignedFrom });
}

/// <summary>
/// The alert backplane: pushes every published group of changes to the subscribed gateways, as one message
/// per gateway. Orleans itself carries it, so no second message bus is needed; a gateway that missed a push
/// catches up from the store by sequence number when it renews.
/// </summary>
public sealed class AlertFeedGrain(IAlertStore store, IOptions<EngagementOptions> options, TimeProvider machineClock, ILogger<AlertFeedGrain> logger)
    : Grain, IAlertFeedGrain
{
    private readonly ObserverManager<IAlertObserver> _gateways = new(options.Value.Push.WatchExpiry, logger)
    {
        GetDateTime = () => machineClock.GetUtcNow().UtcDateTime,
    };
    private long _lastSequence;

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        _lastSequence = await store.LastSequenceAsync(cancellationToken);

    public async Task Publish(IReadOnlyList<Alert> changes)
    {
        if (changes.Count == 0) return;
        _lastSequence = Math.Max(_lastSequence, changes.Max(a => a.Sequence));
        await _gateways.Notify(g => g.OnAlertsChanged(changes));
    }

    public Task<long> Subscribe(IAlertObserver observer)
    {
        _gateways.Subscribe(observer, observer);
        _gateways.ClearExpired();
        return Task.FromResult(_lastSequence);
    }

    public Task Unsubscribe(IAlertObserver observer)
    {
        _gateways.Unsubscribe(observer);
        return Task.CompletedTask;
    }
}

[StatelessWorker]
public sealed class AlertQueryGrain(IAlertStore store) : Grain, IAlertQueryGrain
{
    public Task<IReadOnlyList<Alert>> Open(IReadOnlyList<string>? teams) => store.OpenAsync(teams);

    public Task<IReadOnlyList<Alert>> AssignedTo(string agentId) => store.AssignedToAsync(agentId);

    public Task<IReadOnlyList<Alert>> ChangesSince(long afterSequence, IReadOnlyList<string>? teams, int limit) =>
        store.ChangesSinceAsync(afterSequence, teams, Math.Clamp(limit, 1, 10_000));

    public Task<IReadOnlyList<OpenAlertCount>> OpenCounts() => store.OpenCountsAsync();

    public Task<CasePage> Cases(CaseQuery query) => store.CasesAsync(query);

    public Task<IReadOnlyList<Alert>> OpenPage(IReadOnlyList<string>? teams, long? beforeSequence, int limit) =>
        store.OpenPageAsync(teams, beforeSequence, limit);
}

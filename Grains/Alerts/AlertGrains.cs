using Engagement.Model;
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
public sealed class CustomerAlertGrain(
    IAlertStore store, AlertWriter writer, IOptions<EngagementOptions> options, [FromKeyedServices(EngagementClock.Key)] TimeProvider businessClock)
    : Grain, ICustomerAlertGrain, Contracts.Privacy.IAlertPrivacy
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

    /// <summary>An erasure: the alert goes from memory now, and from the store right after (so a command in between finds none).</summary>
    public Task Forget()
    {
        _latest = null;
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public async Task<Alert> Raise(AlertCause cause)
    {
        if (cause.Kind != _kind) throw new ArgumentException($"A {cause.Kind} cause was sent to the {_kind} alerts of {_customerId}.", nameof(cause));
        var opens = _latest is null or { State: AlertState.Resolved };
        var sla = options.Value.Alerts.Sla;
        var alert = _latest is { State: not AlertState.Resolved } open
            ? open with
            {
                Severity = (AlertSeverity)Math.Max((int)open.Severity, (int)cause.Severity),
                Title = cause.Title,
                Reasons = cause.Reasons,
                Team = cause.Team,
                Context = cause.Context,
                ExpectedLoss = ExpectedLoss(cause.Context),
                // A refresh that raises the severity shortens the time left to acknowledge, never lengthens it.
                DueBy = open.State == AlertState.Open ? Earliest(open.DueBy, DueBy(cause.At, cause.Severity, sla)) : open.DueBy,
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
                ExpectedLoss = ExpectedLoss(cause.Context),
                Currency = options.Value.Currency,
                DueBy = DueBy(cause.At, cause.Severity, sla),
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

    public async Task<Alert?> Clear(string reason)
    {
        if (_latest is not { State: not AlertState.Resolved } open) return null;
        return await Resolve(open.AlertId, reason, AlertPolicy.Engine);
    }

    public async Task<Alert?> RecordOutcome(string alertId, AlertOutcome outcome, string note, string by)
    {
        // The outcome is already the customer's event: an alert resolved meanwhile (or unknown) only misses the note.
        if (_latest is null || _latest.AlertId != alertId || _latest.State == AlertState.Resolved) return null;
        var now = businessClock.GetUtcNow();
        var recorded = _latest with { Outcome = outcome, UpdatedAt = now };
        if (outcome is not (AlertOutcome.Retained or AlertOutcome.Lost)) return await SaveAsync(recorded);
        var text = note.Length > 0 ? note : outcome.ToString().ToLowerInvariant();
        var resolved = await SaveAsync(recorded with { State = AlertState.Resolved, ResolvedBy = by, ResolvedAt = now, ResolutionNote = text });
        AlertMetrics.Resolved(resolved);
        return resolved;
    }

    public async Task<Alert?> Escalate(DateTimeOffset now)
    {
        if (_latest is not { State: AlertState.Open, Escalated: false, DueBy: { } due } open || due > now) return null;
        return await SaveAsync(open with
        {
            Severity = open.Severity == AlertSeverity.Critical ? AlertSeverity.Critical : open.Severity + 1,
            Escalated = true,
            EscalatedAt = now,
            UpdatedAt = now,
        });
    }

    /// <summary>Money at risk: what the customer is worth (CLV) times the chance of losing them.</summary>
    private static double ExpectedLoss(AlertContext context) => Math.Round(MoneyAtRisk.Of(context.Clv, context.ChurnRisk), 2);

    /// <summary>In UTC, so that the store compares due times as text in one order (see <see cref="IAlertStore.PastDueAsync"/>).</summary>
    private static DateTimeOffset? DueBy(DateTimeOffset at, AlertSeverity severity, AlertSlaOptions sla) =>
        sla.Of(severity) is { } within ? (at + within).ToUniversalTime() : null;

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;

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

    public Task<IReadOnlyList<Alert>> OpenPage(IReadOnlyList<string>? teams, AlertPageKey? after, int limit) =>
        store.OpenPageAsync(teams, after, limit);
}

/// <summary>
/// The SLA sweep of a silo: every interval (machine time), the open alerts past their due time (business time, the
/// <see cref="EngagementClock"/>) escalate, each through its own grain, which escalates an alert once and stores the
/// change like any other. Every silo sweeps; the grain makes a second sweep of the same alert a no-op.
/// </summary>
public sealed partial class AlertSlaSweep(
    IAlertStore store,
    IGrainFactory grains,
    IOptions<EngagementOptions> options,
    [FromKeyedServices(EngagementClock.Key)] TimeProvider businessClock,
    TimeProvider machineClock,
    ILogger<AlertSlaSweep> logger) : Microsoft.Extensions.Hosting.BackgroundService
{
    /// <summary>The most alerts one sweep escalates; the rest wait for the next.</summary>
    public const int BatchSize = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Alerts.Sla.SweepInterval, machineClock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await SweepAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The silo may be starting or stopping; the next tick tries again.
                    LogSweepFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>Escalates the open alerts past due now; returns how many escalated.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = businessClock.GetUtcNow();
        var due = await store.PastDueAsync(now, BatchSize, cancellationToken);
        var escalated = 0;
        foreach (var alert in due)
        {
            if (AlertIds.GrainKeyOf(alert.AlertId) is not { } key) continue;
            if (await grains.GetGrain<ICustomerAlertGrain>(key).Escalate(now) is not null) escalated++;
        }
        return escalated;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The alert SLA sweep failed; it tries again at the next tick")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}

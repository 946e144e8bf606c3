using System.Collections.Concurrent;
using System.Globalization;
using Engagement.Contracts.V1;
using Engagement.Load.Run;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Engagement.Load.Silence;

public sealed record SilenceSettings(
    Uri Target,
    int Customers,
    TimeSpan Window,
    TimeSpan Lead,
    TimeSpan Grace,
    TimeSpan OverdueAfter,
    int Streams,
    int BatchSize,
    int InFlight,
    string CustomerPrefix,
    int Seed);

/// <summary>
/// Silence lateness: customers whose only alert is caused by time passing (a complaint open too long), with
/// due times spread over a window in the near future; the run follows <c>Alerts.Watch</c> and measures how
/// late each <c>ComplaintEscalation</c> is raised (engine clock) and received (this machine's clock; the
/// engine is on the same machine, so both read the same wall clock).
/// </summary>
public sealed class SilenceLatenessRun(SilenceSettings settings, EngineEndpoint engine, TextWriter progress)
{
    private const string EscalationKind = "ComplaintEscalation";

    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly DateTimeOffset[] _due = new DateTimeOffset[settings.Customers];
    // Ticks of the ack of each customer's event (0: not acknowledged), to tell a customer seeded after its
    // due time, whose lateness would measure ingest instead of silence.
    private readonly long[] _ackedAt = new long[settings.Customers];
    private readonly ConcurrentDictionary<int, (DateTimeOffset RaisedAt, DateTimeOffset ReceivedAt)> _alerts = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private long _resumed;
    private long _acked;
    private long _rejected;
    private long _otherAlerts;

    public async Task<SilenceReport> ExecuteAsync(CancellationToken cancellationToken)
    {
        var runId = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString("x", CultureInfo.InvariantCulture);
        var random = new Random(settings.Seed);
        var ids = new string[settings.Customers];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = $"{settings.CustomerPrefix}{runId}-{i}";
            _index[ids[i]] = i;
        }

        // Follow alerts first, from the last sequence there is, so every alert of the run is seen and the
        // backlog of earlier runs is not replayed.
        var (supervisorChannel, supervisorInvoker) = engine.OpenSupervisor();
        using var _ = supervisorChannel;
        var alerts = new Alerts.AlertsClient(supervisorInvoker);
        var open = await alerts.ListAsync(new ListAlertsRequest(), deadline: DateTime.UtcNow.AddMinutes(2), cancellationToken: cancellationToken);
        var after = open.Alerts.Count == 0 ? 0 : open.Alerts.Max(a => a.Sequence);
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watching = FollowAsync(alerts, after, stopWatching.Token);

        // Due times are fixed against the start, so a slow seed shows as customers seeded after their due time.
        var start = DateTimeOffset.UtcNow;
        for (var i = 0; i < _due.Length; i++)
        {
            _due[i] = start + settings.Lead + settings.Window * random.NextDouble();
        }
        var deadline = start + settings.Lead + settings.Window + settings.Grace;
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"run {runId}: {settings.Customers:N0} complaints due between +{settings.Lead.TotalSeconds:0} s and +{(settings.Lead + settings.Window).TotalSeconds:0} s; following alerts after sequence {after:N0}; deadline +{(deadline - start).TotalSeconds:0} s"));

        using var reporting = new CancellationTokenSource();
        var reporter = ReportProgressAsync(start, reporting.Token);
        var seeding = SeedAsync(ids, cancellationToken);
        await seeding;
        var seededAt = DateTimeOffset.UtcNow;

        // Wait for the alerts: bounded by the deadline. Every customer sent counts, acknowledged or not: a
        // seed whose acks were lost with a broken stream may still have been committed.
        while (DateTimeOffset.UtcNow < deadline && _alerts.Count < ids.Length - Interlocked.Read(ref _rejected) && !watching.IsCompleted)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
        await reporting.CancelAsync();
        await reporter.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await stopWatching.CancelAsync();
        await watching.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        return Summarise(start, seededAt);
    }

    private async Task SeedAsync(string[] ids, CancellationToken cancellationToken)
    {
        var next = -1L;
        var batches = (ids.Length + settings.BatchSize - 1) / settings.BatchSize;
        await Task.WhenAll(Enumerable.Range(0, settings.Streams).Select(async stream =>
        {
            var (channel, invoker) = engine.OpenIngest();
            using var _ = channel;
            var client = new Ingest.IngestClient(invoker);
            // A stream the engine ends (an ack that timed out fails the call) ends this stream's seeding too,
            // instead of leaving it waiting for acks that cannot come.
            using var broken = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var call = client.Stream(cancellationToken: cancellationToken);
            var inFlight = new ConcurrentQueue<int>();
            using var slots = new SemaphoreSlim(settings.InFlight, settings.InFlight);
            var receiving = Task.Run(async () =>
            {
                try
                {
                    await foreach (var ack in call.ResponseStream.ReadAllAsync(cancellationToken))
                    {
                        var at = DateTimeOffset.UtcNow.UtcTicks;
                        if (!inFlight.TryDequeue(out var batch)) continue;
                        var rejected = ack.Rejected.Select(r => r.Index).ToHashSet();
                        var first = batch * settings.BatchSize;
                        for (var i = first; i < Math.Min(first + settings.BatchSize, ids.Length); i++)
                        {
                            if (rejected.Contains(i - first)) continue;
                            _ackedAt[i] = at;
                        }
                        Interlocked.Add(ref _acked, ack.Accepted + ack.Duplicates);
                        Interlocked.Add(ref _rejected, ack.Rejected.Count);
                        foreach (var r in ack.Rejected.Take(3)) _errors.Enqueue($"rejected {r.EventId}: {r.Field} {r.Reason}");
                        slots.Release();
                    }
                }
                catch (RpcException ex)
                {
                    _errors.Enqueue($"ingest acks: {ex.StatusCode}: {ex.Status.Detail}");
                    await broken.CancelAsync();
                }
            }, CancellationToken.None);

            try
            {
                await SendAsync(call, inFlight, slots, broken.Token);
                await call.RequestStream.CompleteAsync();
            }
            catch (Exception ex) when (broken.IsCancellationRequested && !cancellationToken.IsCancellationRequested && ex is OperationCanceledException or RpcException or InvalidOperationException)
            {
                // The stream broke: what it had not sent stays unseeded, and is counted as not acknowledged.
            }
            await receiving;
        }));

        async Task SendAsync(AsyncDuplexStreamingCall<EventBatch, BatchAck> call, ConcurrentQueue<int> inFlight, SemaphoreSlim slots, CancellationToken cancellationToken)
        {
            for (var batch = (int)Interlocked.Increment(ref next); batch < batches; batch = (int)Interlocked.Increment(ref next))
            {
                await slots.WaitAsync(cancellationToken);
                var request = new EventBatch { BatchId = $"{ids[0]}-b{batch}" };
                var first = batch * settings.BatchSize;
                for (var i = first; i < Math.Min(first + settings.BatchSize, ids.Length); i++)
                {
                    request.Events.Add(new Event
                    {
                        EventId = $"{ids[i]}-complaint",
                        CustomerId = ids[i],
                        Channel = "other",
                        OccurredAt = Timestamp.FromDateTimeOffset(_due[i] - settings.OverdueAfter),
                        ComplaintOpened = new ComplaintOpened { Severity = ComplaintSeverity.Low, TicketId = $"t-{ids[i]}" },
                    });
                }
                inFlight.Enqueue(batch);
                await call.RequestStream.WriteAsync(request, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Follows the alerts after a sequence. An engine ends a watch that falls too far behind with
    /// ResourceExhausted; like any client, this one then watches again from the last sequence it received
    /// (the engine catches it up from the store), and counts the resumption.
    /// </summary>
    private async Task FollowAsync(Alerts.AlertsClient alerts, long after, CancellationToken cancellationToken)
    {
        var last = after;
        while (true)
        {
            try
            {
                using var watch = alerts.Watch(new WatchAlertsRequest { AfterSequence = last }, cancellationToken: cancellationToken);
                await foreach (var alert in watch.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    last = Math.Max(last, alert.Sequence);
                    var receivedAt = DateTimeOffset.UtcNow;
                    if (alert.Kind == EscalationKind && _index.TryGetValue(alert.CustomerId, out var i))
                    {
                        // The first change of the alert is its raise; later changes (an update) keep the first.
                        _alerts.TryAdd(i, (alert.RaisedAt.ToDateTimeOffset(), receivedAt));
                    }
                    else
                    {
                        Interlocked.Increment(ref _otherAlerts);
                    }
                }
                _errors.Enqueue("the alert stream ended");
                return;
            }
            catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is OperationCanceledException or RpcException)
            {
                return; // Stopped by us.
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
            {
                Interlocked.Increment(ref _resumed);
            }
            catch (RpcException ex)
            {
                _errors.Enqueue($"alerts: {ex.StatusCode}: {ex.Status.Detail}");
                return;
            }
        }
    }

    private async Task ReportProgressAsync(DateTimeOffset start, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var now = DateTimeOffset.UtcNow;
                var due = _due.Count(d => d <= now);
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"+{(now - start).TotalSeconds,4:0} s  seeded {Interlocked.Read(ref _acked),9:N0}/{settings.Customers:N0}  due {due,9:N0}  alerts {_alerts.Count,9:N0}"));
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
    }

    private SilenceReport Summarise(DateTimeOffset start, DateTimeOffset seededAt)
    {
        var raised = new List<double>();
        var received = new List<double>();
        var seededLate = 0;
        for (var i = 0; i < _due.Length; i++)
        {
            if (_ackedAt[i] != 0 && _ackedAt[i] > _due[i].UtcTicks) seededLate++;
        }
        foreach (var (i, alert) in _alerts)
        {
            // A customer acknowledged after its due time measures the seed, not the scheduler: left out.
            if (_ackedAt[i] > _due[i].UtcTicks) continue;
            raised.Add((alert.RaisedAt - _due[i]).TotalMilliseconds);
            received.Add((alert.ReceivedAt - _due[i]).TotalMilliseconds);
        }
        var expected = _ackedAt.Count(t => t != 0);
        var firstDue = _due.Min();
        var lastDue = _due.Max();
        return new SilenceReport(
            settings.Customers,
            settings.Window.TotalSeconds,
            settings.Lead.TotalSeconds,
            (seededAt - start).TotalSeconds,
            Interlocked.Read(ref _acked),
            Interlocked.Read(ref _rejected),
            seededLate,
            expected,
            _alerts.Count,
            Interlocked.Read(ref _otherAlerts),
            Interlocked.Read(ref _resumed),
            Percentiles.Of(raised),
            Percentiles.Of(received),
            [.. _errors.Take(20)],
            MachineInfo.Current(),
            start,
            firstDue,
            lastDue);
    }
}

public sealed record SilenceReport(
    int Customers,
    double WindowSeconds,
    double LeadSeconds,
    double SeedSeconds,
    long Acknowledged,
    long Rejected,
    int SeededAfterDue,
    int ExpectedAlerts,
    int ReceivedAlerts,
    long OtherAlerts,
    long WatchResumed,
    Percentiles? RaisedLateness,
    Percentiles? ReceivedLateness,
    IReadOnlyList<string> Problems,
    MachineInfo Machine,
    DateTimeOffset StartedAt,
    DateTimeOffset FirstDue,
    DateTimeOffset LastDue)
{
    public bool Complete => ReceivedAlerts >= ExpectedAlerts && ExpectedAlerts == Customers;
}

/// <summary>Milliseconds by nearest rank; lateness may be slightly negative only if the clocks disagree.</summary>
public sealed record Percentiles(int Samples, double MinMs, double P50Ms, double P99Ms, double P999Ms, double MaxMs)
{
    public static Percentiles? Of(List<double> values)
    {
        if (values.Count == 0) return null;
        values.Sort();
        double At(double q) => values[Math.Clamp((int)Math.Ceiling(q * values.Count) - 1, 0, values.Count - 1)];
        return new Percentiles(values.Count, values[0], At(0.50), At(0.99), At(0.999), values[^1]);
    }
}

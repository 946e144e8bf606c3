using System.Collections.Concurrent;
using System.Diagnostics;
using Engagement.Contracts.V1;
using Engagement.Load.Push;
using Engagement.Load.Workload;
using Grpc.Core;

namespace Engagement.Load.Run;

/// <summary>How many events the whole run may still send (a <c>--count</c> budget shared by the streams).</summary>
public sealed class EventBudget(long? total)
{
    private long _remaining = total ?? long.MaxValue;

    /// <summary>Takes up to <paramref name="wanted"/> events; 0 when the budget is spent.</summary>
    public int Take(int wanted)
    {
        while (true)
        {
            var remaining = Interlocked.Read(ref _remaining);
            if (remaining <= 0) return 0;
            var taken = (int)Math.Min(wanted, remaining);
            if (Interlocked.CompareExchange(ref _remaining, remaining - taken, remaining) == remaining) return taken;
        }
    }
}

/// <summary>
/// One <c>Ingest.Stream</c> call: sends batches (paced to a rate, or as fast as acknowledgements allow) with at
/// most <see cref="LoadSettings.InFlight"/> unacknowledged, and matches every ack to its batch. The engine
/// acknowledges in order, so the oldest batch in flight is the one an ack answers.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification =
    "The slots semaphore never hands out its wait handle, so it holds nothing to release.")]
public sealed class IngestStreamDriver(
    Ingest.IngestClient client,
    EventFactory factory,
    LoadSettings settings,
    EventBudget budget,
    RunCounters counters,
    LatencySamples ackLatency,
    PushTracker? push)
{
    private readonly ConcurrentQueue<(PlannedBatch Planned, long SentAt)> _inFlight = new();
    private readonly SemaphoreSlim _slots = new(settings.InFlight, settings.InFlight);

    /// <param name="stopSending">Fires at the end of the run's duration: no new batches.</param>
    /// <param name="abort">Fires when the run must end now (drain timeout, Ctrl+C).</param>
    public async Task RunAsync(CancellationToken stopSending, CancellationToken abort)
    {
        using var call = client.Stream(cancellationToken: abort);
        var receiving = ReceiveAsync(call.ResponseStream, abort);
        try
        {
            await SendAsync(call.RequestStream, stopSending, abort);
            await call.RequestStream.CompleteAsync();
            await receiving;
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or IOException or InvalidOperationException)
        {
            counters.Error($"stream: {Describe(ex)}");
            await receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task SendAsync(IClientStreamWriter<EventBatch> requests, CancellationToken stopSending, CancellationToken abort)
    {
        // Fixed rate: this stream's share of the events per second, as one batch every interval.
        var interval = settings.Rate is { } rate ? TimeSpan.FromSeconds(settings.BatchSize * settings.Streams / rate) : TimeSpan.Zero;
        var started = Stopwatch.GetTimestamp();
        for (long sent = 0; ; sent++)
        {
            if (interval > TimeSpan.Zero)
            {
                var due = interval * sent - Stopwatch.GetElapsedTime(started);
                if (due > TimeSpan.Zero && !await DelayAsync(due, stopSending)) return;
            }
            if (!await WaitAsync(_slots, stopSending)) return;
            var size = budget.Take(settings.BatchSize);
            if (size == 0)
            {
                _slots.Release();
                return;
            }

            var planned = factory.Next(size, DateTimeOffset.UtcNow);
            var sentAt = Stopwatch.GetTimestamp();
            push?.Register(planned.Watched, sentAt);
            _inFlight.Enqueue((planned, sentAt));
            counters.Sent(planned);
            await requests.WriteAsync(planned.Batch, abort);
        }
    }

    private async Task ReceiveAsync(IAsyncStreamReader<BatchAck> acks, CancellationToken abort)
    {
        try
        {
            while (await acks.MoveNext(abort))
            {
                var ack = acks.Current;
                var receivedAt = Stopwatch.GetTimestamp();
                if (!_inFlight.TryDequeue(out var head))
                {
                    counters.Error($"ack {ack.BatchId} for no batch in flight");
                    continue;
                }
                if (head.Planned.Batch.BatchId != ack.BatchId)
                {
                    counters.Error($"ack {ack.BatchId} arrived where {head.Planned.Batch.BatchId} was expected");
                }
                ackLatency.Record(receivedAt - head.SentAt);
                counters.Acked(head.Planned, ack);
                _slots.Release();
            }
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or IOException)
        {
            counters.Error($"acks: {Describe(ex)}");
        }
    }

    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, stop);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<bool> WaitAsync(SemaphoreSlim slots, CancellationToken stop)
    {
        try
        {
            await slots.WaitAsync(stop);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static string Describe(Exception ex) => ex is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : ex.Message;
}

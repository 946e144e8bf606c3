using Engagement.Contracts.V1;
using Grpc.Core;

namespace Engagement.Feeds;

/// <summary>How a feed ended.</summary>
public enum FeedOutcome
{
    /// <summary>Every batch was sent and acknowledged.</summary>
    Completed,

    /// <summary>Stopped before the end; what was sent before the stop was acknowledged (or the drain timed out).</summary>
    Stopped,
}

/// <summary>
/// Streams a feed's batches over one <c>Ingest.Stream</c> call, like any channel, and counts what the engine
/// acknowledges. At most <see cref="MaxUnacknowledged"/> batches are sent and not yet acknowledged (the engine
/// answers every batch, in order): the feed never runs far ahead of the engine, and a stop is acknowledged soon.
/// </summary>
public static class FeedRunner
{
    /// <summary>Batches sent and not yet acknowledged, at most: the engine's default in-flight window per stream.</summary>
    public const int MaxUnacknowledged = 8;

    /// <summary>How long a stopped feed waits for the acks of the batches already sent before it cuts the call.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    /// <param name="stop">Ends the feed: no more batches; the ones in flight are still acknowledged.</param>
    /// <exception cref="RpcException">The engine refused the stream or ended it with an error.</exception>
    public static async Task<FeedOutcome> RunAsync(
        Ingest.IngestClient ingest, IFeedSource source, FeedPace pace, FeedProgress progress, CancellationToken stop)
    {
        using var abort = new CancellationTokenSource();
        // Sending ends on a stop, and also when the acks end in an error, so a feed waiting for its next
        // batch learns at once that the engine has gone.
        using var sending = CancellationTokenSource.CreateLinkedTokenSource(stop);
        using var window = new SemaphoreSlim(MaxUnacknowledged, MaxUnacknowledged);
        using var call = ingest.Stream(cancellationToken: abort.Token);
        var receiving = ReceiveAsync(call.ResponseStream, progress, window, sending, abort.Token);
        try
        {
            var outcome = FeedOutcome.Completed;
            try
            {
                await foreach (var batch in source.ReadAsync(pace, sending.Token).WithCancellation(sending.Token))
                {
                    await window.WaitAsync(sending.Token);
                    await call.RequestStream.WriteAsync(batch.Batch, abort.Token);
                    progress.OnSent(batch);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                outcome = FeedOutcome.Stopped;
            }
            catch (Exception ex) when (ex is OperationCanceledException or RpcException or InvalidOperationException or IOException)
            {
                // The acks failed, or the call ended under the writer: the engine's status says why.
                await receiving;
                throw;
            }

            await call.RequestStream.CompleteAsync();
            if (outcome == FeedOutcome.Stopped)
            {
                await Task.WhenAny(receiving, Task.Delay(DrainTimeout, CancellationToken.None));
                return outcome;
            }
            await receiving;
            return outcome;
        }
        finally
        {
            if (!receiving.IsCompleted)
            {
                await abort.CancelAsync();
                await receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private static async Task ReceiveAsync(
        IAsyncStreamReader<BatchAck> acks, FeedProgress progress, SemaphoreSlim window, CancellationTokenSource sending, CancellationToken abort)
    {
        try
        {
            while (await acks.MoveNext(abort))
            {
                progress.OnAcknowledged(acks.Current);
                window.Release();
            }
        }
        catch
        {
            await sending.CancelAsync();
            throw;
        }
    }
}

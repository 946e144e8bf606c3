using System.Net.Http.Headers;
using System.Net.Mime;
using System.Security.Cryptography;
using Engagement.Grains.Changes;
using Engagement.Storage;
using Microsoft.Extensions.Options;

namespace Engagement.Gateway.Changes;

/// <summary>
/// Delivers the change feed to each webhook subscriber: one loop per subscriber reads the feed from the subscriber's cursor
/// (stored, so it survives restarts), POSTs the changes as CloudEvents (a batch in <c>application/cloudevents-batch+json</c>,
/// one change in <c>application/cloudevents+json</c>) signed with <c>X-Engagement-Signature: sha256=&lt;hex HMAC-SHA256 of the
/// body&gt;</c>, and moves the cursor once the subscriber answered 2xx. One delivery at a time per subscriber, in sequence
/// order, so each customer's changes arrive in order. A delivery is retried with backoff by the HTTP client's resilience
/// pipeline; should a batch fail every attempt, its changes are tried one by one, and one that fails every attempt too goes
/// to the subscriber's dead letters and the loop moves on. Reads are the store's, never the ingest path's: a slow or dead
/// subscriber holds back only its own cursor.
/// </summary>
public sealed partial class WebhookDispatcher(
    IReadOnlyList<WebhookSubscriber> subscribers, IChangeFeed feed, ChangeEvents events, IHttpClientFactory clients,
    IOptions<ChangeFeedOptions> options, TimeProvider clock, ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string SignatureHeader = "X-Engagement-Signature";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(subscribers.Select(s => Task.Run(() => RunAsync(s, stoppingToken), CancellationToken.None)));

    /// <summary>The signature of a body: <c>sha256=</c> and the lower-case hex HMAC-SHA256 keyed by the secret's UTF-8 bytes.</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret), body));

    /// <summary>
    /// Delivers while this gateway holds the subscriber's lease (so that the gateways of a cluster take turns, never deliver
    /// together); waits for it otherwise. Losing the lease (a renewal refused or failing) stops the delivery under way.
    /// </summary>
    private async Task RunAsync(WebhookSubscriber subscriber, CancellationToken stoppingToken)
    {
        var owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
        var lease = options.Value.WebhookLease;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await feed.LeaseAsync(subscriber.Name, owner, lease, stoppingToken))
                {
                    await PauseAsync(lease / 3, stoppingToken);
                    continue;
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogDispatchFailed(logger, ex, subscriber.Name);
                await PauseAsync(options.Value.PollInterval, stoppingToken);
                continue;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            using var held = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var renewing = RenewAsync(subscriber, owner, lease, held);
            await DeliverWhileHeldAsync(subscriber, held.Token);
            await held.CancelAsync();
            await renewing;
        }
        // Stopping: handed back, so that a restart or another gateway goes on at once rather than after the lease.
        try
        {
            await feed.LeaseAsync(subscriber.Name, owner, TimeSpan.Zero, CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogDispatchFailed(logger, ex, subscriber.Name);
        }
    }

    private async Task RenewAsync(WebhookSubscriber subscriber, string owner, TimeSpan lease, CancellationTokenSource held)
    {
        try
        {
            while (true)
            {
                await Task.Delay(lease / 3, clock, held.Token);
                if (!await feed.LeaseAsync(subscriber.Name, owner, lease, held.Token)) break;
            }
        }
        catch (OperationCanceledException) when (held.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            LogDispatchFailed(logger, ex, subscriber.Name);
        }
        LogLeaseLost(logger, subscriber.Name);
        await held.CancelAsync();
    }

    private async Task DeliverWhileHeldAsync(WebhookSubscriber subscriber, CancellationToken held)
    {
        var http = clients.CreateClient(subscriber.HttpClientName);
        var poll = options.Value.PollInterval;
        long? cursor = null;
        while (!held.IsCancellationRequested)
        {
            try
            {
                cursor ??= await feed.CursorAsync(subscriber.Name, held) ?? 0;
                var next = feed.Signal.Next;
                var page = await feed.ReadAsync(cursor.Value, subscriber.Kinds, subscriber.BatchSize, held);
                if (page.Count == 0)
                {
                    await ChangeSignal.WaitAsync(next, poll, held);
                    continue;
                }
                // A hole before the page may be changes retention deleted before this subscriber got them: kept for admins.
                var gap = cursor.Value > 0 && page[0].Sequence > cursor.Value + 1 ? await GapAsync(subscriber, cursor.Value, held) : null;
                var dead = await DeliverAsync(http, subscriber, page, held);
                if (gap is not null) dead.Insert(0, gap);
                await feed.AdvanceAsync(subscriber.Name, page[^1].Sequence, dead, held);
                cursor = page[^1].Sequence;
            }
            catch (Exception ex) when (!held.IsCancellationRequested)
            {
                // The store, not the subscriber (whose failures DeliverAsync keeps): read the cursor again and carry on.
                LogDispatchFailed(logger, ex, subscriber.Name);
                cursor = null;
                await PauseAsync(poll, held);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task PauseAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, clock, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the loop ends.
        }
    }

    /// <summary>Delivers a page; returns the changes that failed every attempt (none when the page went through).</summary>
    private async Task<List<DeadLetter>> DeliverAsync(HttpClient http, WebhookSubscriber subscriber, IReadOnlyList<Change> page, CancellationToken cancellationToken)
    {
        var error = await SendAsync(http, subscriber, page, cancellationToken);
        if (error is null) return [];
        var dead = new List<DeadLetter>();
        if (page.Count == 1) dead.Add(DeadLetterOf(subscriber, page[0], error));
        else
        {
            LogBatchFailed(logger, subscriber.Name, page[0].Sequence, page[^1].Sequence, error);
            foreach (var change in page)
            {
                if (await SendAsync(http, subscriber, [change], cancellationToken) is { } failed) dead.Add(DeadLetterOf(subscriber, change, failed));
            }
        }
        foreach (var letter in dead) LogDeadLetter(logger, subscriber.Name, letter.Sequence, letter.CustomerId, letter.Error);
        return dead;
    }

    /// <summary>The dead letter that records changes the subscriber missed to retention (null when none were deleted after its cursor).</summary>
    private async Task<DeadLetter?> GapAsync(WebhookSubscriber subscriber, long cursor, CancellationToken cancellationToken)
    {
        var deletedThrough = await feed.DeletedThroughAsync(cancellationToken);
        if (cursor >= deletedThrough) return null;
        LogGap(logger, subscriber.Name, cursor, deletedThrough);
        return new DeadLetter(0, subscriber.Name, deletedThrough, "", GapKind, clock.GetUtcNow(), 0,
            $"the changes after {cursor} through {deletedThrough} passed the feed's retention before they were delivered");
    }

    /// <summary>The kind of the dead letter that records a gap (not a kind of change: it names changes no longer kept).</summary>
    public const string GapKind = "feed.gap";

    private DeadLetter DeadLetterOf(WebhookSubscriber subscriber, Change change, string error) =>
        new(0, subscriber.Name, change.Sequence, change.CustomerId, change.Kind, clock.GetUtcNow(), subscriber.MaxAttempts, error);

    /// <summary>One POST through the resilience pipeline (its attempts and backoff); null when the subscriber took it, else why not.</summary>
    private async Task<string?> SendAsync(HttpClient http, WebhookSubscriber subscriber, IReadOnlyList<Change> changes, CancellationToken cancellationToken)
    {
        ContentType contentType;
        var body = changes.Count == 1 ? events.Structured(changes[0], out contentType) : events.Batch(changes, out contentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, subscriber.Url) { Content = new ReadOnlyMemoryContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType.ToString());
        request.Headers.Add(SignatureHeader, Sign(subscriber.Secret, body.Span));
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return ex.Message;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook {Subscriber}: the changes after {Cursor} through {DeletedThrough} passed the feed's retention before delivery; dead-lettered as a gap")]
    private static partial void LogGap(ILogger logger, string subscriber, long cursor, long deletedThrough);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Subscriber}: reading or moving its cursor failed; trying again")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception, string subscriber);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Subscriber}: this gateway lost its lease (another took over, or the store did not answer); delivery stops here")]
    private static partial void LogLeaseLost(ILogger logger, string subscriber);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Subscriber}: the batch of changes {First} to {Last} failed every attempt ({Error}); delivering them one by one")]
    private static partial void LogBatchFailed(ILogger logger, string subscriber, long first, long last, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook {Subscriber}: change {Sequence} of customer {CustomerId} failed every attempt ({Error}); dead-lettered, moving on")]
    private static partial void LogDeadLetter(ILogger logger, string subscriber, long sequence, string customerId, string error);
}

using System.Collections.Concurrent;
using System.Threading.Channels;
using Engagement.Contracts.Customers;
using Engagement.Gateway.Push;
using Engagement.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace Engagement.Gateway.Customers;

/// <summary>
/// This gateway's window on customer cards. However many people here watch one customer, the
/// customer's grain knows one observer: this gateway. The grain pushes each change once; the feed
/// fans it out to the local viewers. Customers nobody watches cost the grain nothing but a count check.
/// </summary>
public sealed partial class CardFeed : ICustomerObserver, IHostedService, IAsyncDisposable
{
    private readonly IGrainFactory _grains;
    private readonly TimeProvider _clock;
    private readonly ILogger<CardFeed> _logger;
    private readonly TimeSpan _renewEvery;
    private readonly ConcurrentDictionary<string, Watched> _watched = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private ICustomerObserver? _self;
    private Task? _renewal;
    private int _disposed;

    public CardFeed(IGrainFactory grains, IOptions<EngagementOptions> options, TimeProvider machineClock, ILogger<CardFeed> logger)
    {
        _grains = grains;
        _clock = machineClock;
        _logger = logger;
        _renewEvery = options.Value.Push.WatchExpiry / 4;
    }

    private ICustomerObserver Self => _self ??= _grains.CreateObjectReference<ICustomerObserver>(this);

    /// <summary>Customers watched on this gateway now.</summary>
    public int WatchedCount => _watched.Count;

    /// <summary>
    /// Starts following a customer. The returned viewer yields the current card (as soon as the customer
    /// exists) and then every newer one, in version order; dispose it to stop.
    /// </summary>
    public async Task<CardViewer> WatchAsync(string customerId, CancellationToken cancellationToken)
    {
        var viewer = new CardViewer(this, customerId);
        var watched = _watched.GetOrAdd(customerId, id => new Watched(id));
        watched.Add(viewer);
        try
        {
            var current = await _grains.GetGrain<ICustomerGrain>(customerId).Watch(Self).WaitAsync(cancellationToken);
            if (current is not null) viewer.Offer(current);
            return viewer;
        }
        catch
        {
            await viewer.DisposeAsync();
            throw;
        }
    }

    public Task OnCardChanged(CustomerCard card)
    {
        if (_watched.TryGetValue(card.CustomerId, out var watched)) watched.Offer(card);
        return Task.CompletedTask;
    }

    private async Task RemoveAsync(CardViewer viewer)
    {
        if (!_watched.TryGetValue(viewer.CustomerId, out var watched) || !watched.Remove(viewer)) return;
        if (_watched.TryRemove(new KeyValuePair<string, Watched>(viewer.CustomerId, watched)))
        {
            try
            {
                await _grains.GetGrain<ICustomerGrain>(viewer.CustomerId).Unwatch(Self);
            }
            catch (Exception ex)
            {
                // The subscription expires on its own; this only frees it sooner.
                LogUnwatchFailed(_logger, ex, viewer.CustomerId);
            }
        }
    }

    /// <summary>
    /// Renews every subscription well before it expires. A renewal also returns the current card, so a
    /// viewer catches up on changes it missed, for example while its customer moved to another silo.
    /// </summary>
    private async Task RenewLoopAsync()
    {
        using var timer = new PeriodicTimer(_renewEvery, _clock);
        while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
        {
            foreach (var watched in _watched.Values)
            {
                try
                {
                    var current = await _grains.GetGrain<ICustomerGrain>(watched.CustomerId).Watch(Self).WaitAsync(_stopping.Token);
                    if (current is not null) watched.Offer(current);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRenewFailed(_logger, ex, watched.CustomerId);
                }
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        PushMetrics.Feeds.Add(this);
        _renewal = Task.Run(async () =>
        {
            try
            {
                await RenewLoopAsync();
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
            }
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        PushMetrics.Feeds.Remove(this);
        await _stopping.CancelAsync();
        if (_renewal is not null) await _renewal.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        // Registered both as a singleton and as a hosted service: the container may dispose it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stopping.CancelAsync();
        if (_self is not null) _grains.DeleteObjectReference<ICustomerObserver>(_self);
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Unwatch of customer {CustomerId} failed")]
    private static partial void LogUnwatchFailed(ILogger logger, Exception exception, string customerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the watch of customer {CustomerId} failed; retrying at the next renewal")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, string customerId);

    /// <summary>The viewers of one customer on this gateway.</summary>
    private sealed class Watched(string customerId)
    {
        private readonly Lock _lock = new();
        private readonly List<CardViewer> _viewers = [];

        public string CustomerId { get; } = customerId;

        public void Add(CardViewer viewer)
        {
            lock (_lock) _viewers.Add(viewer);
        }

        /// <summary>Removes the viewer; true when it was the last one.</summary>
        public bool Remove(CardViewer viewer)
        {
            lock (_lock)
            {
                _viewers.Remove(viewer);
                return _viewers.Count == 0;
            }
        }

        public void Offer(CustomerCard card)
        {
            lock (_lock)
            {
                foreach (var viewer in _viewers) viewer.Offer(card);
            }
        }
    }

    /// <summary>One viewer's cards: strictly rising versions; a card older than one already delivered is dropped.</summary>
    public sealed class CardViewer(CardFeed feed, string customerId) : IAsyncDisposable
    {
        // A viewer that stops reading must not hold memory without bound; it keeps the newest cards.
        private readonly Channel<CustomerCard> _cards = Channel.CreateBounded<CustomerCard>(
            new BoundedChannelOptions(256) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest });
        private readonly Lock _lock = new();
        private long _lastVersion;
        private int _disposed;

        public string CustomerId { get; } = customerId;

        public ChannelReader<CustomerCard> Cards => _cards.Reader;

        internal void Offer(CustomerCard card)
        {
            lock (_lock)
            {
                if (card.Version <= _lastVersion) return;
                _lastVersion = card.Version;
                _cards.Writer.TryWrite(card);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
            _cards.Writer.TryComplete();
            await feed.RemoveAsync(this);
        }
    }
}

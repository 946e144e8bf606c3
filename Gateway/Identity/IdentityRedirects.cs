using Engagement.Contracts.Identity;
using Engagement.Grains.Identity;
using Microsoft.Extensions.Options;

namespace Engagement.Gateway.Identity;

/// <summary>
/// The gateway's copy of the merged ids (issue 17): which customer each merged id became, so that ingest sends an event
/// for a merged id straight to its customer with a dictionary read, not a store read per event. Refreshed when the store's
/// merges change (one cheap question every <see cref="IdentityOptions.RedirectRefresh"/>) and at once for the merges this
/// gateway makes. Should it trail another gateway's merge, the merged id's grain sends the events on itself.
/// </summary>
public sealed partial class IdentityRedirects(IGrainFactory grains, IOptions<IdentityOptions> options, ILogger<IdentityRedirects> logger) : BackgroundService
{
    private const int MaxHops = 16;

    private volatile IReadOnlyDictionary<string, string> _redirects = new Dictionary<string, string>(StringComparer.Ordinal);
    private long _version = -1;
    private readonly Lock _gate = new();

    /// <summary>The customer an id stands for: itself, or the customer it was merged into (through earlier merges).</summary>
    public string Resolve(string customerId)
    {
        var redirects = _redirects;
        if (redirects.Count == 0) return customerId;
        var id = customerId;
        for (var hop = 0; hop < MaxHops && redirects.TryGetValue(id, out var next); hop++) id = next;
        return id;
    }

    /// <summary>A merge this gateway made: in force here at once, before the next refresh.</summary>
    public void Merged(string from, string into)
    {
        lock (_gate) _redirects = new Dictionary<string, string>(_redirects, StringComparer.Ordinal) { [from] = into };
    }

    /// <summary>An unmerge this gateway made.</summary>
    public void Unmerged(string from)
    {
        lock (_gate)
        {
            var copy = new Dictionary<string, string>(_redirects, StringComparer.Ordinal);
            copy.Remove(from);
            _redirects = copy;
        }
    }

    /// <summary>Reads the merges again if they changed since the last read.</summary>
    public async Task RefreshAsync()
    {
        var map = await grains.GetGrain<IIdentityGrain>(0).Redirects(Interlocked.Read(ref _version));
        if (map.Redirects is null) return;
        lock (_gate)
        {
            _redirects = new Dictionary<string, string>(map.Redirects, StringComparer.Ordinal);
            _version = map.Version;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RedirectRefresh);
        try
        {
            do
            {
                try
                {
                    await RefreshAsync();
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // The engine is starting or a silo went away: the map stays as it is until the next tick.
                    LogRefreshFailed(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reading the merged customer ids failed; tried again at the next refresh")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}

using Engagement.Contracts.Alerts;

namespace Engagement.Gateway.Alerts;

/// <summary>
/// What a supervisor connection was sent before the live changes: the alerts (in sequence order), whether more open
/// alerts exist than it was sent (<see cref="More"/>: page the rest through <c>Alerts.List</c> or <c>GET /api/cases</c>),
/// and whether it missed more changes than a connection is sent (<see cref="Reset"/>: the alerts are the open ones, as
/// for a new connection, so the client starts its board over from them).
/// </summary>
public sealed record AlertBacklog(IReadOnlyList<Alert> Alerts, bool More, bool Reset)
{
    /// <summary>
    /// At most <paramref name="limit"/> alerts, however long the history: without a sequence, the newest open alerts of
    /// the scope; after one, every change since when they are no more than the limit, else (a reset) the newest open alerts.
    /// </summary>
    public static async Task<AlertBacklog> ReadAsync(IAlertQueryGrain query, long? afterSequence, TeamScope scope, int limit, CancellationToken cancellation)
    {
        // One more than the limit: whether there are more, without a count. Read in the store's pages.
        if (afterSequence is { } after)
        {
            var changes = new List<Alert>();
            while (changes.Count <= limit)
            {
                var want = Math.Min(Page, limit + 1 - changes.Count);
                var page = await query.ChangesSince(after, scope.Teams, want).WaitAsync(cancellation);
                changes.AddRange(page);
                if (page.Count < want) return new AlertBacklog(changes, More: false, Reset: false);
                after = page[^1].Sequence;
            }
        }
        var open = new List<Alert>();
        AlertPageKey? before = null;
        while (open.Count <= limit)
        {
            var want = Math.Min(Page, limit + 1 - open.Count);
            var page = await query.OpenPage(scope.Teams, before, want).WaitAsync(cancellation);
            open.AddRange(page);
            if (page.Count < want) break;
            before = AlertPageKey.After(page[^1]);
        }
        return new AlertBacklog([.. open.Take(limit).OrderBy(a => a.Sequence)], open.Count > limit, Reset: afterSequence is not null);
    }

    /// <summary>
    /// Every change after <paramref name="afterSequence"/>, paged through the store as it is sent, so that a stream that
    /// was away long gets everything it missed holding one page at a time (a gRPC watch: it writes as it reads).
    /// </summary>
    public static async IAsyncEnumerable<Alert> ChangesAsync(IAlertQueryGrain query, long afterSequence, TeamScope scope,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation)
    {
        var after = afterSequence;
        while (true)
        {
            var page = await query.ChangesSince(after, scope.Teams, Page).WaitAsync(cancellation);
            foreach (var alert in page) yield return alert;
            if (page.Count < Page) yield break;
            after = page[^1].Sequence;
        }
    }

    /// <summary>The most the store answers in one read of open alerts.</summary>
    private const int Page = 1000;

    /// <summary>Whether the client must be told (anything but a complete backlog).</summary>
    public bool Cut => More || Reset;

    /// <summary>What the client is told when the backlog is cut, in words.</summary>
    public string Message => Reset
        ? $"more changes were missed than a connection is sent (Engagement:Limits:SupervisorBacklog): the {Alerts.Count} newest open alerts follow; start the board over from them{(More ? "; older open alerts: page them through Alerts.List or GET /api/cases" : "")}"
        : $"the {Alerts.Count} newest open alerts follow (Engagement:Limits:SupervisorBacklog); older open alerts: page them through Alerts.List (page_token {OldestSequence}) or GET /api/cases";

    /// <summary>The lowest sequence sent: the page token of <c>Alerts.List</c> for the open alerts older than these.</summary>
    public long OldestSequence => Alerts.Count == 0 ? 0 : Alerts[0].Sequence;
}

using Engagement.Contracts.Alerts;

namespace Engagement.Gateway.Alerts;

/// <summary>What a supervisor (gRPC watch or SignalR board) gets before the live changes.</summary>
public static class AlertBacklog
{
    private const int Page = 1_000;

    /// <summary>
    /// Without a sequence, the open alerts of the scope in sequence order; after one, every change since, paged
    /// through the store so that a client that was away long gets everything it missed, not the first page.
    /// </summary>
    public static async IAsyncEnumerable<Alert> ReadAsync(IAlertQueryGrain query, long? afterSequence, TeamScope scope,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation)
    {
        if (afterSequence is not { } after)
        {
            foreach (var alert in (await query.Open(scope.Teams).WaitAsync(cancellation)).OrderBy(a => a.Sequence)) yield return alert;
            yield break;
        }
        while (true)
        {
            var page = await query.ChangesSince(after, scope.Teams, Page).WaitAsync(cancellation);
            foreach (var alert in page) yield return alert;
            if (page.Count < Page) yield break;
            after = page[^1].Sequence;
        }
    }
}

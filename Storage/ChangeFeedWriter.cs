using System.Data.Common;
using System.Text.Json;
using Engagement.Contracts.Alerts;

namespace Engagement.Storage;

/// <summary>
/// Writes the customer decisions into the change feed inside the journal's group commit, in the transaction that writes
/// the digests they describe: each digest is compared with the customer's digest as stored before the commit, which is
/// what the feed last said of the customer, and a difference of stage, tier, RFM group, churn-risk band or segments is a
/// change. So a change is durable exactly when the state it describes is, and a digest written again (after a lost commit,
/// a replay, a re-activation) emits nothing the feed has already said. Reading the stored digest once for the query index
/// and the feed keeps the commit at one read and one upsert per customer.
/// </summary>
public sealed class ChangeFeedWriter(ChangeSignal signal, TimeProvider clock)
{
    public ChangeSignal Signal => signal;

    internal DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>Inserts the changes the digests make against the digests stored before them; returns how many.</summary>
    internal async Task<int> WriteDigestChangesAsync(StoreDialect dialect, DbConnection connection, DbTransaction transaction,
        IReadOnlyCollection<CustomerDigest> digests, IReadOnlyDictionary<string, CustomerIndex.Indexed> stored, CancellationToken cancellationToken)
    {
        var changes = new List<NewChange>();
        foreach (var digest in digests)
        {
            Diff(stored.TryGetValue(digest.CustomerId, out var before) ? FeedState.Of(digest.CustomerId, before) : null, FeedState.Of(digest), changes);
        }
        if (changes.Count == 0) return 0;
        await ChangeRows.InsertAsync(dialect, connection, transaction, changes, Now, cancellationToken).ConfigureAwait(false);
        return changes.Count;
    }

    /// <summary>The feed's changes from one customer's state before (null: nothing said yet) to now.</summary>
    internal static void Diff(FeedState? before, FeedState now, List<NewChange> changes)
    {
        void Moved(string kind, string? from, string? to)
        {
            if (!string.Equals(from, to, StringComparison.Ordinal) && to is not null)
            {
                changes.Add(new NewChange(now.CustomerId, kind, JsonSerializer.Serialize(new FromTo(from, to), FromTo.Json)));
            }
        }

        Moved(ChangeKinds.Stage, before?.Stage, now.Stage);
        Moved(ChangeKinds.Tier, before?.Tier, now.Tier);
        Moved(ChangeKinds.RfmGroup, before?.RfmGroup, now.RfmGroup);
        Moved(ChangeKinds.RiskBand, before?.RiskBand, now.RiskBand);
        if (string.Equals(before?.Segments, now.Segments, StringComparison.Ordinal)) return;
        var was = Split(before?.Segments);
        var @is = Split(now.Segments);
        foreach (var left in was.Where(s => !@is.Contains(s)))
        {
            changes.Add(new NewChange(now.CustomerId, ChangeKinds.SegmentLeft, JsonSerializer.Serialize(new SegmentMove(left), FromTo.Json)));
        }
        foreach (var entered in @is.Where(s => !was.Contains(s)))
        {
            changes.Add(new NewChange(now.CustomerId, ChangeKinds.SegmentEntered, JsonSerializer.Serialize(new SegmentMove(entered), FromTo.Json)));
        }
    }

    /// <summary>The change an alert's stored change is in the feed: raised (a new alert), resolved, or changed.</summary>
    internal static NewChange Of(Alert alert, string payload)
    {
        var raised = alert is { State: AlertState.Open, Occurrences: 1, Escalated: false, Outcome: null, AcknowledgedAt: null } && alert.UpdatedAt == alert.RaisedAt;
        var kind = alert.State == AlertState.Resolved ? ChangeKinds.AlertResolved : raised ? ChangeKinds.AlertRaised : ChangeKinds.AlertChanged;
        return new NewChange(alert.CustomerId, kind, payload);
    }

    private static List<string> Split(string? segments) =>
        [.. (segments ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal)];

    /// <summary>What the feed says of one customer.</summary>
    internal sealed record FeedState(string CustomerId, string? Stage, string? Tier, string? RfmGroup, string? RiskBand, string? Segments)
    {
        public static FeedState Of(CustomerDigest digest) => new(digest.CustomerId, digest.Stage, digest.Tier, digest.RfmGroup, digest.RiskBand, digest.Segments);

        // The stored RFM group is '' for none, as the query index keeps it.
        public static FeedState Of(string customerId, CustomerIndex.Indexed stored) =>
            new(customerId, stored.Stage, stored.Tier, stored.RfmGroup.Length == 0 ? null : stored.RfmGroup, stored.RiskBand, stored.Segments);
    }

    private sealed record FromTo(string? From, string To)
    {
        public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    }

    private sealed record SegmentMove(string Segment);
}

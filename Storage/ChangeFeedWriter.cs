using System.Data.Common;
using System.Text.Json;
using Engagement.Contracts.Alerts;

namespace Engagement.Storage;

/// <summary>
/// Writes the customer decisions into the change feed inside the journal's group commit, in the transaction that writes
/// the digests they describe: each digest is compared with what the feed last said of its customer
/// (<c>engagement_change_state</c>), and a difference of stage, tier, RFM group, churn-risk band or segments is a change.
/// So a change is durable exactly when the state it describes is, and a digest written again (after a lost commit, a
/// replay, a re-activation) emits nothing the feed has already said.
/// </summary>
public sealed class ChangeFeedWriter(ChangeSignal signal, TimeProvider clock)
{
    private const int CustomersPerRead = 500;

    public ChangeSignal Signal => signal;

    internal DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>Inserts the changes the digests make; returns how many.</summary>
    internal async Task<int> WriteDigestChangesAsync(StoreDialect dialect, DbConnection connection, DbTransaction transaction,
        IReadOnlyCollection<CustomerDigest> digests, CancellationToken cancellationToken)
    {
        if (digests.Count == 0) return 0;
        var said = await ReadStatesAsync(connection, transaction, digests, cancellationToken).ConfigureAwait(false);
        var changes = new List<NewChange>();
        var moved = new List<FeedState>();
        foreach (var digest in digests)
        {
            var now = FeedState.Of(digest);
            var before = said.GetValueOrDefault(digest.CustomerId);
            Diff(before, now, changes);
            if (before != now) moved.Add(now);
        }
        if (moved.Count > 0) await WriteStatesAsync(connection, transaction, moved, cancellationToken).ConfigureAwait(false);
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

    private static async Task<Dictionary<string, FeedState>> ReadStatesAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyCollection<CustomerDigest> digests, CancellationToken cancellationToken)
    {
        var said = new Dictionary<string, FeedState>(StringComparer.Ordinal);
        foreach (var chunk in digests.Chunk(CustomersPerRead))
        {
            var parameters = chunk.Select((d, i) => ($"c{i}", (object)d.CustomerId)).ToArray();
            await using var read = SqlCommands.Create(connection, transaction, $"""
                SELECT customer_id, stage, tier, rfm_group, risk_band, segments FROM engagement_change_state
                WHERE customer_id IN ({string.Join(", ", parameters.Select(p => "@" + p.Item1))})
                """, parameters);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
                said[reader.GetString(0)] = new FeedState(reader.GetString(0), Text(1), Text(2), Text(3), Text(4), Text(5));
            }
        }
        return said;
    }

    private static async Task WriteStatesAsync(DbConnection connection, DbTransaction transaction, List<FeedState> states, CancellationToken cancellationToken)
    {
        foreach (var chunk in states.Chunk(CustomersPerRead / 5))
        {
            var parameters = new List<(string, object)>();
            var values = new List<string>();
            for (var i = 0; i < chunk.Length; i++)
            {
                var s = chunk[i];
                values.Add($"(@c{i}, @s{i}, @t{i}, @r{i}, @b{i}, @g{i})");
                parameters.AddRange([($"c{i}", s.CustomerId), ($"s{i}", (object?)s.Stage ?? DBNull.Value), ($"t{i}", (object?)s.Tier ?? DBNull.Value),
                    ($"r{i}", (object?)s.RfmGroup ?? DBNull.Value), ($"b{i}", (object?)s.RiskBand ?? DBNull.Value), ($"g{i}", (object?)s.Segments ?? DBNull.Value)]);
            }
            await using var upsert = SqlCommands.Create(connection, transaction, $"""
                INSERT INTO engagement_change_state (customer_id, stage, tier, rfm_group, risk_band, segments) VALUES {string.Join(", ", values)}
                ON CONFLICT (customer_id) DO UPDATE SET stage = excluded.stage, tier = excluded.tier, rfm_group = excluded.rfm_group,
                    risk_band = excluded.risk_band, segments = excluded.segments
                """, [.. parameters]);
            await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>What the feed says of one customer.</summary>
    internal sealed record FeedState(string CustomerId, string? Stage, string? Tier, string? RfmGroup, string? RiskBand, string? Segments)
    {
        public static FeedState Of(CustomerDigest digest) => new(digest.CustomerId, digest.Stage, digest.Tier, digest.RfmGroup, digest.RiskBand, digest.Segments);
    }

    private sealed record FromTo(string? From, string To)
    {
        public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    }

    private sealed record SegmentMove(string Segment);
}

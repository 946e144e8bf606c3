using System.Data.Common;

namespace Engagement.Storage;

/// <summary>
/// Keeps what the customer queries read (16-customer-query.sql) in line with the digests, in the digests' own
/// transaction: a customer's segment rows and attribute rows. A digest is written whenever anything of it changed;
/// these are written only where they changed against what is stored, so the common digest (a new due time, a new churn
/// risk) costs one indexed read per customer and its upsert. The same read tells the change feed what it last said of
/// the customer (<see cref="ChangeFeedWriter"/>): the stored digest is the feed's state, committed with it.
/// </summary>
internal static class CustomerIndex
{
    /// <summary>Upserts the digests and brings the index in line with them; returns what was stored before.</summary>
    public static async Task<IReadOnlyDictionary<string, Indexed>> UpsertDigestsAsync(StoreDialect dialect, DbConnection connection, DbTransaction transaction,
        IReadOnlyCollection<CustomerDigest> digests, CancellationToken cancellationToken)
    {
        var stored = await dialect.ReadIndexedAsync(connection, transaction, digests, cancellationToken).ConfigureAwait(false);
        await dialect.UpsertDigestsAsync(connection, transaction, digests, cancellationToken).ConfigureAwait(false);
        var changes = Changes(digests, stored);
        if (!changes.IsEmpty) await dialect.WriteIndexAsync(connection, transaction, changes, cancellationToken).ConfigureAwait(false);
        return stored;
    }

    /// <summary>What must be written to make the index say what <paramref name="digests"/> say, given what it says now.</summary>
    public static CustomerIndexChanges Changes(IEnumerable<CustomerDigest> digests, IReadOnlyDictionary<string, Indexed> stored)
    {
        var changes = new CustomerIndexChanges();
        foreach (var digest in digests)
        {
            var before = stored.GetValueOrDefault(digest.CustomerId);
            var attributes = digest.Attributes ?? CustomerAttributes.Empty;
            // Most digests keep their segments: compare the stored text before building sets.
            if (!string.Equals(before?.Segments, digest.Segments, StringComparison.Ordinal))
            {
                var old = new HashSet<string>(before is null ? [] : before.Segments.Split(',', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
                var now = new HashSet<string>(digest.SegmentNames, StringComparer.Ordinal);
                changes.SegmentsRemoved.AddRange(old.Where(s => !now.Contains(s)).Select(s => (digest.CustomerId, s)));
                changes.SegmentsAdded.AddRange(now.Where(s => !old.Contains(s)).Select(s => (digest.CustomerId, s)));
            }
            if ((before?.AttributesHash ?? CustomerAttributes.Empty.Hash) != attributes.Hash)
            {
                if (before is not null) changes.AttributesCleared.Add(digest.CustomerId);
                changes.AttributesAdded.AddRange(attributes.Pairs.Select(p => (digest.CustomerId, p.Key, p.Value)));
            }
        }
        return changes;
    }

    /// <summary>What the store holds of a customer now: its index's keys and the decisions the feed last said.</summary>
    public sealed record Indexed(string Segments, string RfmGroup, long? AttributesHash, string Stage, string Tier, string? RiskBand);

    public const string ReadIndexedColumns = "customer_id, segments, rfm_group, attributes_hash, stage, tier, risk_band";

    public static Indexed ReadIndexed(DbDataReader reader) =>
        new(reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetInt64(3), reader.GetString(4), reader.GetString(5),
            reader.IsDBNull(6) ? null : reader.GetString(6));
}

/// <summary>The rows to write: segment rows out and in, every attribute row of a customer out and its new ones in.</summary>
internal sealed class CustomerIndexChanges
{
    public List<(string Customer, string Segment)> SegmentsRemoved { get; } = [];

    public List<(string Customer, string Segment)> SegmentsAdded { get; } = [];

    public List<string> AttributesCleared { get; } = [];

    public List<(string Customer, string Name, string Value)> AttributesAdded { get; } = [];

    public bool IsEmpty => SegmentsRemoved.Count == 0 && SegmentsAdded.Count == 0 && AttributesCleared.Count == 0 && AttributesAdded.Count == 0;
}

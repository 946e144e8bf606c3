using System.Data.Common;

namespace Engagement.Storage;

/// <summary>
/// Keeps what the customer queries read (16-customer-query.sql) in line with the digests, in the digests' own
/// transaction: the RFM cell and group, a customer's segment rows and attribute rows. A digest is written whenever
/// anything of it changed; these are written only where they changed against what is stored, so the common digest
/// (a new due time, a new churn risk) costs one indexed read per customer and nothing more.
/// </summary>
internal static class CustomerIndex
{
    /// <summary>Upserts the digests and brings the index in line with them.</summary>
    public static async Task UpsertDigestsAsync(StoreDialect dialect, DbConnection connection, DbTransaction transaction,
        IReadOnlyCollection<CustomerDigest> digests, CancellationToken cancellationToken)
    {
        var stored = await dialect.ReadIndexedAsync(connection, transaction, digests, cancellationToken).ConfigureAwait(false);
        await dialect.UpsertDigestsAsync(connection, transaction, digests, cancellationToken).ConfigureAwait(false);
        var changes = Changes(digests, stored);
        if (!changes.IsEmpty) await dialect.WriteIndexAsync(connection, transaction, changes, cancellationToken).ConfigureAwait(false);
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
            var attributesChanged = (before?.AttributesHash ?? CustomerAttributes.Empty.Hash) != attributes.Hash;
            if (attributesChanged)
            {
                if (before is not null) changes.AttributesCleared.Add(digest.CustomerId);
                changes.AttributesAdded.AddRange(attributes.Pairs.Select(p => (digest.CustomerId, p.Key, p.Value)));
            }
            if (attributesChanged || (before?.RfmCell ?? "") != digest.RfmCell || (before?.RfmGroup ?? "") != (digest.RfmGroup ?? ""))
            {
                changes.Digests.Add((digest.CustomerId, digest.RfmCell, digest.RfmGroup ?? "", attributes.Hash));
            }
        }
        return changes;
    }

    /// <summary>What the index holds of a customer now.</summary>
    public sealed record Indexed(string Segments, string RfmCell, string RfmGroup, long? AttributesHash);

    public const string ReadIndexedColumns = "customer_id, segments, rfm_cell, rfm_group, attributes_hash";

    public static Indexed ReadIndexed(DbDataReader reader) =>
        new(reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetInt64(4));
}

/// <summary>The rows to write: segment rows out and in, every attribute row of a customer out and its new ones in, and the digest's own columns.</summary>
internal sealed class CustomerIndexChanges
{
    public List<(string Customer, string Segment)> SegmentsRemoved { get; } = [];

    public List<(string Customer, string Segment)> SegmentsAdded { get; } = [];

    public List<string> AttributesCleared { get; } = [];

    public List<(string Customer, string Name, string Value)> AttributesAdded { get; } = [];

    public List<(string Customer, string RfmCell, string RfmGroup, long AttributesHash)> Digests { get; } = [];

    public bool IsEmpty => SegmentsRemoved.Count == 0 && SegmentsAdded.Count == 0 && AttributesCleared.Count == 0 && AttributesAdded.Count == 0 && Digests.Count == 0;
}

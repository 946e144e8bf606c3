using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace Engagement.Storage;

/// <summary>The customer query index on PostgreSQL: each kind of row as arrays in one statement, all in one batch.</summary>
internal sealed partial class PostgresDialect
{
    internal override async Task<IReadOnlyDictionary<string, CustomerIndex.Indexed>> ReadIndexedAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyCollection<CustomerDigest> digests, CancellationToken cancellationToken)
    {
        await using var read = Command(connection, transaction,
            $"SELECT {CustomerIndex.ReadIndexedColumns} FROM engagement_customer_digest WHERE customer_id = ANY(@customers)");
        Column(read, "customers", NpgsqlDbType.Text, digests, d => d.CustomerId);
        var stored = new Dictionary<string, CustomerIndex.Indexed>(StringComparer.Ordinal);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) stored[reader.GetString(0)] = CustomerIndex.ReadIndexed(reader);
        return stored;
    }

    internal override async Task WriteIndexAsync(DbConnection connection, DbTransaction transaction, CustomerIndexChanges changes, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch((NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        NpgsqlBatchCommand? Add<T>(IReadOnlyCollection<T> rows, string sql)
        {
            if (rows.Count == 0) return null;
            var command = new NpgsqlBatchCommand(sql);
            batch.BatchCommands.Add(command);
            return command;
        }
        static void Text<T>(NpgsqlBatchCommand? command, string name, IEnumerable<T> rows, Func<T, string> value) =>
            command?.Parameters.Add(new NpgsqlParameter<string[]>(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. rows.Select(value)] });

        var removed = Add(changes.SegmentsRemoved, """
            DELETE FROM engagement_customer_segments s USING unnest(@customer, @segment) AS x(customer_id, segment)
            WHERE s.customer_id = x.customer_id AND s.segment = x.segment
            """);
        Text(removed, "customer", changes.SegmentsRemoved, r => r.Customer);
        Text(removed, "segment", changes.SegmentsRemoved, r => r.Segment);
        var added = Add(changes.SegmentsAdded,
            "INSERT INTO engagement_customer_segments (customer_id, segment) SELECT * FROM unnest(@customer, @segment) ON CONFLICT DO NOTHING");
        Text(added, "customer", changes.SegmentsAdded, r => r.Customer);
        Text(added, "segment", changes.SegmentsAdded, r => r.Segment);
        Text(Add(changes.AttributesCleared, "DELETE FROM engagement_customer_attributes WHERE customer_id = ANY(@customer)"),
            "customer", changes.AttributesCleared, r => r);
        var attributes = Add(changes.AttributesAdded,
            "INSERT INTO engagement_customer_attributes (customer_id, name, value) SELECT * FROM unnest(@customer, @name, @value) ON CONFLICT DO NOTHING");
        Text(attributes, "customer", changes.AttributesAdded, r => r.Customer);
        Text(attributes, "name", changes.AttributesAdded, r => r.Name);
        Text(attributes, "value", changes.AttributesAdded, r => r.Value);
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    internal override string Contains(string haystack, string parameter) => $"strpos({haystack}, @{parameter}) > 0";
}

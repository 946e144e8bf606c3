using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Engagement.Storage;

/// <summary>The customer query index on SQLite: one prepared statement per kind of row, bound row after row.</summary>
internal sealed partial class SqliteDialect
{
    internal override Task<IReadOnlyDictionary<string, CustomerIndex.Indexed>> ReadIndexedAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyCollection<CustomerDigest> digests, CancellationToken cancellationToken)
    {
        using var read = Prepared(connection, transaction,
            $"SELECT {CustomerIndex.ReadIndexedColumns} FROM engagement_customer_digest WHERE customer_id = @customer", ("customer", SqliteType.Text));
        var stored = new Dictionary<string, CustomerIndex.Indexed>(StringComparer.Ordinal);
        foreach (var digest in digests)
        {
            read.Parameters[0].Value = digest.CustomerId;
            using var reader = read.ExecuteReader();
            if (reader.Read()) stored[digest.CustomerId] = CustomerIndex.ReadIndexed(reader);
        }
        return Task.FromResult<IReadOnlyDictionary<string, CustomerIndex.Indexed>>(stored);
    }

    internal override Task WriteIndexAsync(DbConnection connection, DbTransaction transaction, CustomerIndexChanges changes, CancellationToken cancellationToken)
    {
        var sqlite = (SqliteConnection)connection;
        Rows(sqlite, "DELETE FROM engagement_customer_segments WHERE customer_id = ?1 AND segment = ?2", changes.SegmentsRemoved, (s, r) =>
        {
            s.Text(1, r.Customer);
            s.Text(2, r.Segment);
        });
        Rows(sqlite, "INSERT OR IGNORE INTO engagement_customer_segments (customer_id, segment) VALUES (?1, ?2)", changes.SegmentsAdded, (s, r) =>
        {
            s.Text(1, r.Customer);
            s.Text(2, r.Segment);
        });
        Rows(sqlite, "DELETE FROM engagement_customer_attributes WHERE customer_id = ?1", changes.AttributesCleared, (s, r) => s.Text(1, r));
        Rows(sqlite, "INSERT OR IGNORE INTO engagement_customer_attributes (customer_id, name, value) VALUES (?1, ?2, ?3)", changes.AttributesAdded, (s, r) =>
        {
            s.Text(1, r.Customer);
            s.Text(2, r.Name);
            s.Text(3, r.Value);
        });
        return Task.CompletedTask;
    }

    private static void Rows<T>(SqliteConnection connection, string sql, IReadOnlyCollection<T> rows, Action<SqliteRawStatement, T> bind)
    {
        if (rows.Count == 0) return;
        using var statement = new SqliteRawStatement(connection, sql);
        foreach (var row in rows)
        {
            bind(statement, row);
            statement.Execute();
        }
    }

    internal override string Contains(string haystack, string parameter) => $"instr({haystack}, @{parameter}) > 0";
}

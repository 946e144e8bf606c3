using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Engagement.Storage;

/// <summary>
/// The journal in the embedded SQLite file. SQLite has one writer at a time, so one long-lived
/// connection writes every group with a prepared insert; reads use pooled connections of their own
/// (WAL mode lets them run beside the writer).
/// </summary>
public sealed class SqliteEventJournal(string connectionString, int maxEntriesPerCommit, ILogger<SqliteEventJournal> logger)
    : GroupCommitJournal(maxEntriesPerCommit, logger)
{
    private const string InsertSql = """
        INSERT INTO engagement_journal (customer_id, seq, event_id, event_type, channel, occurred_at, recorded_at, payload)
        VALUES ($customer, $seq, $event, $type, $channel, $occurred, $recorded, $payload)
        ON CONFLICT (customer_id, event_id) DO NOTHING
        """;

    private const string UpsertDigestSql = """
        INSERT INTO engagement_customer_digest (customer_id, bucket, first_purchase_day, last_purchase_day, purchase_days, total_spend, mean_repeat_spend, stage, tier, segments, due_at)
        VALUES ($customer, $bucket, $first, $last, $days, $spend, $mean, $stage, $tier, $segments, $due)
        ON CONFLICT (customer_id) DO UPDATE SET
            first_purchase_day = excluded.first_purchase_day, last_purchase_day = excluded.last_purchase_day,
            purchase_days = excluded.purchase_days, total_spend = excluded.total_spend,
            mean_repeat_spend = excluded.mean_repeat_spend, stage = excluded.stage, tier = excluded.tier, segments = excluded.segments, due_at = excluded.due_at
        """;

    private readonly WriterConnection _writer = new(connectionString, postgres: null);

    protected override async Task<bool[][]> CommitGroupAsync(IReadOnlyList<PendingAppend> group, CancellationToken cancellationToken)
    {
        await using var lease = await _writer.OpenAsync(cancellationToken).ConfigureAwait(false);
        var connection = (SqliteConnection)lease.Connection;
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = InsertSql;
        var customer = insert.Parameters.Add("$customer", SqliteType.Text);
        var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
        var eventId = insert.Parameters.Add("$event", SqliteType.Text);
        var type = insert.Parameters.Add("$type", SqliteType.Text);
        var channel = insert.Parameters.Add("$channel", SqliteType.Text);
        var occurred = insert.Parameters.Add("$occurred", SqliteType.Text);
        var recorded = insert.Parameters.Add("$recorded", SqliteType.Text);
        var payload = insert.Parameters.Add("$payload", SqliteType.Text);
        insert.Prepare();

        var results = new bool[group.Count][];
        for (var g = 0; g < group.Count; g++)
        {
            var pending = group[g];
            var fresh = results[g] = new bool[pending.Entries.Count];
            customer.Value = pending.CustomerId;
            for (var i = 0; i < fresh.Length; i++)
            {
                var entry = pending.Entries[i];
                seq.Value = entry.Seq;
                eventId.Value = entry.EventId;
                type.Value = entry.EventType;
                channel.Value = entry.Channel;
                occurred.Value = Format(entry.OccurredAt);
                recorded.Value = Format(entry.RecordedAt);
                payload.Value = entry.Payload;
                // SQLite runs in-process: the synchronous call does no I/O wait beyond the page cache.
                fresh[i] = insert.ExecuteNonQuery() == 1;
            }
        }
        WriteDigests(connection, transaction, LatestDigests(group));
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return results;
    }

    private static void WriteDigests(SqliteConnection connection, SqliteTransaction transaction, IEnumerable<CustomerDigest> digests)
    {
        using var upsert = connection.CreateCommand();
        upsert.Transaction = transaction;
        upsert.CommandText = UpsertDigestSql;
        var customer = upsert.Parameters.Add("$customer", SqliteType.Text);
        var bucket = upsert.Parameters.Add("$bucket", SqliteType.Integer);
        var first = upsert.Parameters.Add("$first", SqliteType.Integer);
        var last = upsert.Parameters.Add("$last", SqliteType.Integer);
        var days = upsert.Parameters.Add("$days", SqliteType.Integer);
        var spend = upsert.Parameters.Add("$spend", SqliteType.Real);
        var mean = upsert.Parameters.Add("$mean", SqliteType.Real);
        var stage = upsert.Parameters.Add("$stage", SqliteType.Text);
        var tier = upsert.Parameters.Add("$tier", SqliteType.Text);
        var segments = upsert.Parameters.Add("$segments", SqliteType.Text);
        var due = upsert.Parameters.Add("$due", SqliteType.Integer);
        foreach (var digest in digests)
        {
            customer.Value = digest.CustomerId;
            bucket.Value = digest.Bucket;
            first.Value = (object?)digest.FirstPurchaseDay ?? DBNull.Value;
            last.Value = (object?)digest.LastPurchaseDay ?? DBNull.Value;
            days.Value = digest.PurchaseDays;
            spend.Value = digest.TotalSpend;
            mean.Value = digest.MeanRepeatSpend;
            stage.Value = digest.Stage;
            tier.Value = digest.Tier;
            segments.Value = digest.Segments;
            due.Value = (object?)digest.DueAtMilliseconds ?? DBNull.Value;
            upsert.ExecuteNonQuery();
        }
    }

    protected override async ValueTask DisposeCoreAsync()
    {
        await _writer.DisposeAsync().ConfigureAwait(false);
        await base.DisposeCoreAsync().ConfigureAwait(false);
    }

    // ISO 8601 in UTC with 100 ns precision: sorts as text and reads back exactly.
    private static string Format(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    protected override async ValueTask<DbConnection> OpenReadConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    protected override DateTimeOffset ReadInstant(DbDataReader reader, int ordinal) => Parse(reader.GetString(ordinal));

    private static DateTimeOffset Parse(string text) =>
        DateTimeOffset.ParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}

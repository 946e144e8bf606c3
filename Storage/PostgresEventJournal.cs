using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Engagement.Storage;

/// <summary>
/// The journal on PostgreSQL. A group is one multi-row insert of arrays (unnest), one round trip and
/// one commit, whatever its size; RETURNING tells which rows were new.
/// </summary>
public sealed class PostgresEventJournal(NpgsqlDataSource dataSource, int maxEntriesPerCommit, ILogger<PostgresEventJournal> logger)
    : GroupCommitJournal(maxEntriesPerCommit, logger)
{
    private const string InsertSql = """
        INSERT INTO engagement_journal (customer_id, seq, event_id, event_type, channel, occurred_at, recorded_at, payload)
        SELECT * FROM unnest(@customer, @seq, @event, @type, @channel, @occurred, @recorded, @payload)
        ON CONFLICT (customer_id, event_id) DO NOTHING
        RETURNING customer_id, seq
        """;

    private const string UpsertDigestsSql = """
        INSERT INTO engagement_customer_digest (customer_id, bucket, first_purchase_day, last_purchase_day, purchase_days, total_spend, mean_repeat_spend, stage, tier, segments, due_at)
        SELECT * FROM unnest(@customer, @bucket, @first, @last, @days, @spend, @mean, @stage, @tier, @segments, @due)
        ON CONFLICT (customer_id) DO UPDATE SET
            first_purchase_day = excluded.first_purchase_day, last_purchase_day = excluded.last_purchase_day,
            purchase_days = excluded.purchase_days, total_spend = excluded.total_spend,
            mean_repeat_spend = excluded.mean_repeat_spend, stage = excluded.stage, tier = excluded.tier, segments = excluded.segments, due_at = excluded.due_at
        """;

    protected override async Task<bool[][]> CommitGroupAsync(IReadOnlyList<PendingAppend> group, CancellationToken cancellationToken)
    {
        var total = group.Sum(p => p.Entries.Count);
        var customers = new string[total];
        var seqs = new long[total];
        var events = new string[total];
        var types = new string[total];
        var channels = new string[total];
        var occurred = new DateTime[total];
        var recorded = new DateTime[total];
        var payloads = new string[total];
        var row = 0;
        foreach (var pending in group)
        {
            foreach (var entry in pending.Entries)
            {
                customers[row] = pending.CustomerId;
                seqs[row] = entry.Seq;
                events[row] = entry.EventId;
                types[row] = entry.EventType;
                channels[row] = entry.Channel;
                occurred[row] = entry.OccurredAt.UtcDateTime;
                recorded[row] = entry.RecordedAt.UtcDateTime;
                payloads[row] = entry.Payload;
                row++;
            }
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var inserted = new HashSet<(string Customer, long Seq)>();
        if (total > 0)
        {
            await using var insert = new NpgsqlCommand(InsertSql, connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter<string[]>("customer", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = customers });
            insert.Parameters.Add(new NpgsqlParameter<long[]>("seq", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = seqs });
            insert.Parameters.Add(new NpgsqlParameter<string[]>("event", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = events });
            insert.Parameters.Add(new NpgsqlParameter<string[]>("type", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = types });
            insert.Parameters.Add(new NpgsqlParameter<string[]>("channel", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = channels });
            insert.Parameters.Add(new NpgsqlParameter<DateTime[]>("occurred", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = occurred });
            insert.Parameters.Add(new NpgsqlParameter<DateTime[]>("recorded", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = recorded });
            insert.Parameters.Add(new NpgsqlParameter<string[]>("payload", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = payloads });

            await using (var reader = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    inserted.Add((reader.GetString(0), reader.GetInt64(1)));
                }
            }
        }
        var digests = LatestDigests(group).ToArray();
        if (digests.Length > 0) await WriteDigestsAsync(connection, transaction, digests, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);

        var results = new bool[group.Count][];
        for (var g = 0; g < group.Count; g++)
        {
            var pending = group[g];
            results[g] = [.. pending.Entries.Select(e => inserted.Contains((pending.CustomerId, e.Seq)))];
        }
        return results;
    }

    private static async Task WriteDigestsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CustomerDigest[] digests, CancellationToken cancellationToken)
    {
        await using var upsert = new NpgsqlCommand(UpsertDigestsSql, connection, transaction);
        upsert.Parameters.Add(new NpgsqlParameter<string[]>("customer", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. digests.Select(d => d.CustomerId)] });
        upsert.Parameters.Add(new NpgsqlParameter<int[]>("bucket", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = [.. digests.Select(d => d.Bucket)] });
        upsert.Parameters.Add(new NpgsqlParameter<int?[]>("first", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = [.. digests.Select(d => d.FirstPurchaseDay)] });
        upsert.Parameters.Add(new NpgsqlParameter<int?[]>("last", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = [.. digests.Select(d => d.LastPurchaseDay)] });
        upsert.Parameters.Add(new NpgsqlParameter<int[]>("days", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = [.. digests.Select(d => d.PurchaseDays)] });
        upsert.Parameters.Add(new NpgsqlParameter<double[]>("spend", NpgsqlDbType.Array | NpgsqlDbType.Double) { TypedValue = [.. digests.Select(d => d.TotalSpend)] });
        upsert.Parameters.Add(new NpgsqlParameter<double[]>("mean", NpgsqlDbType.Array | NpgsqlDbType.Double) { TypedValue = [.. digests.Select(d => d.MeanRepeatSpend)] });
        upsert.Parameters.Add(new NpgsqlParameter<string[]>("stage", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. digests.Select(d => d.Stage)] });
        upsert.Parameters.Add(new NpgsqlParameter<string[]>("tier", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. digests.Select(d => d.Tier)] });
        upsert.Parameters.Add(new NpgsqlParameter<string[]>("segments", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. digests.Select(d => d.Segments)] });
        upsert.Parameters.Add(new NpgsqlParameter<long?[]>("due", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = [.. digests.Select(d => d.DueAtMilliseconds)] });
        await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async ValueTask<DbConnection> OpenReadConnectionAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    protected override DateTimeOffset ReadInstant(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);
}

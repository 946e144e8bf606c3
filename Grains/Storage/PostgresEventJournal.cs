using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Engagement.Grains.Storage;

/// <summary>
/// The journal on PostgreSQL. A group is one multi-row insert of arrays (unnest), one round trip and
/// one commit, whatever its size; RETURNING tells which rows were new.
/// </summary>
public sealed class PostgresEventJournal(NpgsqlDataSource dataSource, int maxEntriesPerCommit, ILogger<PostgresEventJournal> logger)
    : GroupCommitJournal(maxEntriesPerCommit, logger)
{
    private const string InsertSql = """
        INSERT INTO engagement_journal (customer_id, seq, event_id, event_type, channel, occurred_at, payload)
        SELECT * FROM unnest(@customer, @seq, @event, @type, @channel, @occurred, @payload)
        ON CONFLICT (customer_id, event_id) DO NOTHING
        RETURNING customer_id, seq
        """;

    private const string ReadSql = """
        SELECT seq, event_id, event_type, channel, occurred_at, recorded_at, payload
        FROM engagement_journal
        WHERE customer_id = @customer AND seq > @after
        ORDER BY seq
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
                payloads[row] = entry.Payload;
                row++;
            }
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var insert = new NpgsqlCommand(InsertSql, connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter<string[]>("customer", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = customers });
        insert.Parameters.Add(new NpgsqlParameter<long[]>("seq", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = seqs });
        insert.Parameters.Add(new NpgsqlParameter<string[]>("event", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = events });
        insert.Parameters.Add(new NpgsqlParameter<string[]>("type", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = types });
        insert.Parameters.Add(new NpgsqlParameter<string[]>("channel", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = channels });
        insert.Parameters.Add(new NpgsqlParameter<DateTime[]>("occurred", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = occurred });
        insert.Parameters.Add(new NpgsqlParameter<string[]>("payload", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = payloads });

        var inserted = new HashSet<(string Customer, long Seq)>();
        await using (var reader = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                inserted.Add((reader.GetString(0), reader.GetInt64(1)));
            }
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);

        var results = new bool[group.Count][];
        for (var g = 0; g < group.Count; g++)
        {
            var pending = group[g];
            results[g] = [.. pending.Entries.Select(e => inserted.Contains((pending.CustomerId, e.Seq)))];
        }
        return results;
    }

    public override async Task<IReadOnlyList<JournalEntry>> ReadAsync(string customerId, long afterSeq, CancellationToken cancellationToken = default)
    {
        await using var read = dataSource.CreateCommand(ReadSql);
        read.Parameters.AddWithValue("customer", customerId);
        read.Parameters.AddWithValue("after", afterSeq);
        var entries = new List<JournalEntry>();
        await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new JournalEntry(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6)));
        }
        return entries;
    }
}

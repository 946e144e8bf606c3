using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Engagement.Grains.Storage;

/// <summary>
/// The journal in the embedded SQLite file. SQLite has one writer at a time, so one long-lived
/// connection writes every group with a prepared insert; reads use pooled connections of their own
/// (WAL mode lets them run beside the writer).
/// </summary>
public sealed class SqliteEventJournal(string connectionString, int maxEntriesPerCommit, TimeProvider clock, ILogger<SqliteEventJournal> logger)
    : GroupCommitJournal(maxEntriesPerCommit, logger)
{
    private const string InsertSql = """
        INSERT INTO engagement_journal (customer_id, seq, event_id, event_type, channel, occurred_at, recorded_at, payload)
        VALUES ($customer, $seq, $event, $type, $channel, $occurred, $recorded, $payload)
        ON CONFLICT (customer_id, event_id) DO NOTHING
        """;

    private const string ReadSql = """
        SELECT seq, event_id, event_type, channel, occurred_at, recorded_at, payload
        FROM engagement_journal
        WHERE customer_id = $customer AND seq > $after
        ORDER BY seq
        """;

    private SqliteConnection? _writer;

    protected override async Task<bool[][]> CommitGroupAsync(IReadOnlyList<PendingAppend> group, CancellationToken cancellationToken)
    {
        var connection = await WriterAsync(cancellationToken).ConfigureAwait(false);
        var recordedAt = Format(clock.GetUtcNow());
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
        insert.Parameters.Add("$recorded", SqliteType.Text).Value = recordedAt;
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
                payload.Value = entry.Payload;
                // SQLite runs in-process: the synchronous call does no I/O wait beyond the page cache.
                fresh[i] = insert.ExecuteNonQuery() == 1;
            }
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return results;
    }

    public override async Task<IReadOnlyList<JournalEntry>> ReadAsync(string customerId, long afterSeq, CancellationToken cancellationToken = default)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var read = connection.CreateCommand();
        read.CommandText = ReadSql;
        read.Parameters.AddWithValue("$customer", customerId);
        read.Parameters.AddWithValue("$after", afterSeq);
        var entries = new List<JournalEntry>();
        await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new JournalEntry(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                Parse(reader.GetString(4)), Parse(reader.GetString(5)), reader.GetString(6)));
        }
        return entries;
    }

    private async ValueTask<SqliteConnection> WriterAsync(CancellationToken cancellationToken)
    {
        if (_writer is { State: System.Data.ConnectionState.Open }) return _writer;
        if (_writer is not null) await _writer.DisposeAsync().ConfigureAwait(false);
        _writer = new SqliteConnection(connectionString);
        await _writer.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var pragma = _writer.CreateCommand();
        // FULL: every commit is on disk before the ack goes out, even across a power cut.
        pragma.CommandText = "PRAGMA synchronous = FULL;";
        await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return _writer;
    }

    protected override async ValueTask DisposeCoreAsync()
    {
        if (_writer is not null) await _writer.DisposeAsync().ConfigureAwait(false);
        await base.DisposeCoreAsync().ConfigureAwait(false);
    }

    // ISO 8601 in UTC with 100 ns precision: sorts as text and reads back exactly.
    private static string Format(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text) =>
        DateTimeOffset.ParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}

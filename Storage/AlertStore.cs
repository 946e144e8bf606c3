using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Engagement.Contracts.Alerts;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Engagement.Storage;

/// <summary>Alerts in the engine's store: the change log with its sequence numbers, and each alert's latest state.</summary>
public interface IAlertStore
{
    /// <summary>
    /// Stores changes of alerts in one transaction, under the next sequence numbers in the order given, and
    /// returns them with their numbers. Sequence order is commit order, so a reader resuming after N misses nothing.
    /// </summary>
    Task<IReadOnlyList<Alert>> SaveAsync(IReadOnlyList<Alert> alerts, CancellationToken cancellationToken = default);

    /// <summary>The latest alert of a customer and kind, resolved or not.</summary>
    Task<Alert?> LatestAsync(string customerId, AlertKind kind, CancellationToken cancellationToken = default);

    /// <summary>Alerts not yet resolved, of the given teams (every team when null), newest first.</summary>
    Task<IReadOnlyList<Alert>> OpenAsync(IReadOnlyCollection<string>? teams, CancellationToken cancellationToken = default);

    /// <summary>Alerts assigned to an agent and not yet resolved, oldest first.</summary>
    Task<IReadOnlyList<Alert>> AssignedToAsync(string agentId, CancellationToken cancellationToken = default);

    /// <summary>Every change after <paramref name="afterSequence"/> of alerts of the given teams (every team when null), in order.</summary>
    Task<IReadOnlyList<Alert>> ChangesSinceAsync(long afterSequence, IReadOnlyCollection<string>? teams, int limit, CancellationToken cancellationToken = default);

    /// <summary>The highest sequence number given so far (0 before the first alert).</summary>
    Task<long> LastSequenceAsync(CancellationToken cancellationToken = default);

    /// <summary>How many alerts are not yet resolved, by kind, severity and state.</summary>
    Task<IReadOnlyList<OpenAlertCount>> OpenCountsAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// The alert store on SQLite or PostgreSQL: the same reads; a group of changes is written in one transaction,
/// numbered in commit order each store's way (SQLite's one writer, PostgreSQL's advisory lock).
/// </summary>
/// <param name="postgres">The data source on PostgreSQL; null on SQLite, where <paramref name="connectionString"/> names the file.</param>
public sealed class SqlAlertStore(string connectionString, NpgsqlDataSource? postgres) : IAlertStore, IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private const string LastSequenceSql = "SELECT COALESCE(MAX(sequence), 0) FROM engagement_alert_changes";

    private readonly WriterConnection _writer = new(connectionString, postgres);

    public async Task<IReadOnlyList<Alert>> SaveAsync(IReadOnlyList<Alert> alerts, CancellationToken cancellationToken = default)
    {
        await using var lease = await _writer.OpenAsync(cancellationToken);
        // The caller is the alert writer's loop, already off the grain scheduler: SQLite's synchronous save runs right here.
        return lease.Connection is NpgsqlConnection npgsql
            ? await SavePostgresAsync(npgsql, alerts, cancellationToken)
            : SaveSqlite((SqliteConnection)lease.Connection, alerts);
    }

    public ValueTask DisposeAsync() => _writer.DisposeAsync();

    /// <summary>
    /// One immediate transaction (SQLite's one writer): the sequence numbers continue from the highest stored,
    /// in the order of <paramref name="alerts"/>, so they are commit order too.
    /// </summary>
    private static IReadOnlyList<Alert> SaveSqlite(SqliteConnection connection, IReadOnlyList<Alert> alerts)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        using var last = Command(connection, transaction, LastSequenceSql);
        var sequence = Convert.ToInt64(last.ExecuteScalar(), CultureInfo.InvariantCulture);
        var stored = alerts.Select(alert => alert with { Sequence = ++sequence }).ToList();

        using var change = Command(connection, transaction,
            "INSERT INTO engagement_alert_changes (sequence, alert_id, team, payload) VALUES (@sequence, @id, @team, @payload)",
            ("sequence", 0L), ("id", ""), ("team", ""), ("payload", ""));
        using var latest = Command(connection, transaction, UpsertAlertSql,
            ("id", ""), ("customer", ""), ("kind", ""), ("team", ""), ("state", ""), ("assigned", DBNull.Value), ("sequence", 0L), ("payload", ""));
        foreach (var alert in stored)
        {
            var payload = JsonSerializer.Serialize(alert, Json);
            Bind(change, alert.Sequence, alert.AlertId, alert.Team, payload);
            change.ExecuteNonQuery();
            Bind(latest, alert.AlertId, alert.CustomerId, alert.Kind.ToString(), alert.Team, alert.State.ToString(),
                (object?)alert.AssignedTo ?? DBNull.Value, alert.Sequence, payload);
            latest.ExecuteNonQuery();
        }
        transaction.Commit();
        return stored;
    }

    /// <summary>
    /// One transaction under the writers' advisory lock (so sequence order is commit order): the group's
    /// sequence numbers in one call, then the changes and the latest states each in one multi-row statement.
    /// </summary>
    private static async Task<IReadOnlyList<Alert>> SavePostgresAsync(NpgsqlConnection connection, IReadOnlyList<Alert> alerts, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var @lock = new NpgsqlCommand("SELECT pg_advisory_xact_lock(7321001)", connection, transaction))
        {
            await @lock.ExecuteNonQueryAsync(cancellationToken);
        }
        var sequences = new List<long>(alerts.Count);
        await using (var next = new NpgsqlCommand(
            "SELECT nextval(pg_get_serial_sequence('engagement_alert_changes', 'sequence')) FROM generate_series(1, @count)", connection, transaction))
        {
            next.Parameters.AddWithValue("count", alerts.Count);
            await using var reader = await next.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) sequences.Add(reader.GetInt64(0));
        }
        sequences.Sort();
        var stored = alerts.Select((alert, i) => alert with { Sequence = sequences[i] }).ToList();
        var payloads = stored.Select(alert => JsonSerializer.Serialize(alert, Json)).ToArray();

        await using (var changes = new NpgsqlCommand("""
            INSERT INTO engagement_alert_changes (sequence, alert_id, team, payload) OVERRIDING SYSTEM VALUE
            SELECT * FROM unnest(@sequence, @id, @team, @payload)
            """, connection, transaction))
        {
            changes.Parameters.AddWithValue("sequence", stored.Select(a => a.Sequence).ToArray());
            changes.Parameters.AddWithValue("id", stored.Select(a => a.AlertId).ToArray());
            changes.Parameters.AddWithValue("team", stored.Select(a => a.Team).ToArray());
            changes.Parameters.AddWithValue("payload", payloads);
            await changes.ExecuteNonQueryAsync(cancellationToken);
        }
        // One row per alert in a multi-row upsert: the group's last change of each alert is its latest state.
        var latest = stored.Select((alert, i) => (Alert: alert, Payload: payloads[i]))
            .GroupBy(x => x.Alert.AlertId, StringComparer.Ordinal).Select(g => g.Last()).ToList();
        await using (var upsert = new NpgsqlCommand(UpsertAlertsSql, connection, transaction))
        {
            upsert.Parameters.AddWithValue("id", latest.Select(x => x.Alert.AlertId).ToArray());
            upsert.Parameters.AddWithValue("customer", latest.Select(x => x.Alert.CustomerId).ToArray());
            upsert.Parameters.AddWithValue("kind", latest.Select(x => x.Alert.Kind.ToString()).ToArray());
            upsert.Parameters.AddWithValue("team", latest.Select(x => x.Alert.Team).ToArray());
            upsert.Parameters.AddWithValue("state", latest.Select(x => x.Alert.State.ToString()).ToArray());
            upsert.Parameters.AddWithValue("assigned", latest.Select(x => x.Alert.AssignedTo).ToArray());
            upsert.Parameters.AddWithValue("sequence", latest.Select(x => x.Alert.Sequence).ToArray());
            upsert.Parameters.AddWithValue("payload", latest.Select(x => x.Payload).ToArray());
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return stored;
    }

    private const string InsertAlertSql = "INSERT INTO engagement_alerts (alert_id, customer_id, kind, team, state, assigned_to, sequence, payload)";

    private const string OnConflictAlertSql = """
        ON CONFLICT (alert_id) DO UPDATE SET team = excluded.team, state = excluded.state, assigned_to = excluded.assigned_to,
            sequence = excluded.sequence, payload = excluded.payload
        """;

    private const string UpsertAlertSql = $"{InsertAlertSql} VALUES (@id, @customer, @kind, @team, @state, @assigned, @sequence, @payload) {OnConflictAlertSql}";

    private const string UpsertAlertsSql = $"{InsertAlertSql} SELECT * FROM unnest(@id, @customer, @kind, @team, @state, @assigned, @sequence, @payload) {OnConflictAlertSql}";

    private static void Bind(DbCommand command, params object[] values)
    {
        for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i];
    }

    public async Task<Alert?> LatestAsync(string customerId, AlertKind kind, CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync(
            "SELECT payload FROM engagement_alerts WHERE customer_id = @customer AND kind = @kind ORDER BY sequence DESC LIMIT 1",
            [("customer", customerId), ("kind", kind.ToString())], cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<Alert>> OpenAsync(IReadOnlyCollection<string>? teams, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT payload FROM engagement_alerts WHERE state <> 'Resolved'{TeamFilter(teams, out var p)} ORDER BY sequence DESC",
            p, cancellationToken);

    public Task<IReadOnlyList<Alert>> AssignedToAsync(string agentId, CancellationToken cancellationToken = default) =>
        QueryAsync("SELECT payload FROM engagement_alerts WHERE assigned_to = @agent AND state = 'Assigned' ORDER BY sequence",
            [("agent", agentId)], cancellationToken);

    public Task<IReadOnlyList<Alert>> ChangesSinceAsync(long afterSequence, IReadOnlyCollection<string>? teams, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT payload FROM engagement_alert_changes WHERE sequence > @after{TeamFilter(teams, out var p)} ORDER BY sequence LIMIT {limit}",
            [("after", afterSequence), .. p], cancellationToken);

    public Task<long> LastSequenceAsync(CancellationToken cancellationToken = default) => OffTheCaller(async () =>
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, LastSequenceSql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    });

    public Task<IReadOnlyList<OpenAlertCount>> OpenCountsAsync(CancellationToken cancellationToken = default) =>
        OffTheCaller<IReadOnlyList<OpenAlertCount>>(async () =>
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var command = Command(connection, null, postgres is null ? OpenCountsSqlite : OpenCountsPostgres);
            var counts = new List<OpenAlertCount>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                counts.Add(new OpenAlertCount(Enum.Parse<AlertKind>(reader.GetString(0)), Enum.Parse<AlertSeverity>(reader.GetString(1)),
                    Enum.Parse<AlertState>(reader.GetString(2)), reader.GetInt64(3)));
            }
            return counts;
        });

    // The states listed rather than "<> 'Resolved'", so that the state index finds the rows; severity is not a
    // column, so it is read from the payload of those rows only.
    private static readonly string UnresolvedStates =
        string.Join(", ", Enum.GetValues<AlertState>().Where(s => s != AlertState.Resolved).Select(s => $"'{s}'"));

    private static readonly string OpenCountsSqlite =
        $"SELECT kind, json_extract(payload, '$.severity'), state, COUNT(*) FROM engagement_alerts WHERE state IN ({UnresolvedStates}) GROUP BY 1, 2, 3";

    private static readonly string OpenCountsPostgres =
        $"SELECT kind, payload::json ->> 'severity', state, COUNT(*) FROM engagement_alerts WHERE state IN ({UnresolvedStates}) GROUP BY 1, 2, 3";

    private static string TeamFilter(IReadOnlyCollection<string>? teams, out (string, object)[] parameters)
    {
        if (teams is null)
        {
            parameters = [];
            return "";
        }
        parameters = [.. teams.Select((t, i) => ($"team{i}", (object)t))];
        return teams.Count == 0 ? " AND 1 = 0" : $" AND team IN ({string.Join(", ", parameters.Select(p => "@" + p.Item1))})";
    }

    private Task<IReadOnlyList<Alert>> QueryAsync(string sql, (string, object)[] parameters, CancellationToken cancellationToken) =>
        OffTheCaller<IReadOnlyList<Alert>>(async () =>
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var command = Command(connection, null, sql, parameters);
            var alerts = new List<Alert>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                alerts.Add(JsonSerializer.Deserialize<Alert>(reader.GetString(0), Json)
                    ?? throw new InvalidDataException("An alert row has an empty payload."));
            }
            return alerts;
        });

    /// <summary>
    /// Microsoft.Data.Sqlite's async methods run synchronously: on SQLite the work is queued to the thread pool,
    /// so that it runs outside the calling grain's turn (the turn yields instead of blocking through the I/O).
    /// It still holds a pool thread while it runs.
    /// </summary>
    private Task<T> OffTheCaller<T>(Func<Task<T>> work) => postgres is null ? Task.Run(work) : work();

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters) =>
        SqlCommands.Create(connection, transaction, sql, parameters);

    private ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        WriterConnection.OpenReadAsync(connectionString, postgres, cancellationToken);
}

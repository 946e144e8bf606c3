using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Engagement.Contracts.Alerts;

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

    /// <summary>
    /// Open alerts (not acknowledged) whose due time is at or before <paramref name="now"/> and that have not escalated
    /// yet, earliest due first, at most <paramref name="limit"/>: the SLA sweep's work. Due times are stored in UTC.
    /// </summary>
    Task<IReadOnlyList<Alert>> PastDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default);
}

/// <summary>
/// The alert store on SQLite or PostgreSQL: the same reads; a group of changes is written in one transaction,
/// numbered in commit order each store's way (<see cref="StoreDialect.NextAlertSequencesAsync"/>: SQLite's one
/// writer, PostgreSQL's advisory lock).
/// </summary>
public sealed class SqlAlertStore(StoreDialect dialect) : IAlertStore, IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    internal const string LastSequenceSql = "SELECT COALESCE(MAX(sequence), 0) FROM engagement_alert_changes";

    // What both dialects' statements share (StoreDialect.WriteAlertsAsync).
    internal const string InsertChangesSql = "INSERT INTO engagement_alert_changes (sequence, alert_id, team, payload)";

    internal const string InsertAlertsSql = "INSERT INTO engagement_alerts (alert_id, customer_id, kind, team, state, assigned_to, sequence, payload)";

    internal const string OnAlertConflictSql = """
        ON CONFLICT (alert_id) DO UPDATE SET team = excluded.team, state = excluded.state, assigned_to = excluded.assigned_to,
            sequence = excluded.sequence, payload = excluded.payload
        """;

    private readonly WriterConnection _writer = dialect.CreateWriter();

    /// <remarks>
    /// The caller is the alert writer's loop, already off the grain scheduler: on SQLite the driver's synchronous
    /// calls run right here.
    /// </remarks>
    public async Task<IReadOnlyList<Alert>> SaveAsync(IReadOnlyList<Alert> alerts, CancellationToken cancellationToken = default)
    {
        await using var lease = await _writer.OpenAsync(cancellationToken);
        await using var transaction = await dialect.BeginWriteAsync(lease.Connection, cancellationToken);
        var sequences = await dialect.NextAlertSequencesAsync(lease.Connection, transaction, alerts.Count, cancellationToken);
        var stored = alerts.Select((alert, i) => alert with { Sequence = sequences[i] }).ToList();
        await dialect.WriteAlertsAsync(lease.Connection, transaction,
            [.. stored.Select(alert => new StoredAlert(alert, JsonSerializer.Serialize(alert, Json)))], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return stored;
    }

    public ValueTask DisposeAsync() => _writer.DisposeAsync();

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

    /// <remarks>
    /// Served by the (state, due time) index of 12-alerts.sql: the due time is read from the payload by the same
    /// expression the index holds, and compared as ISO 8601 text, which orders UTC instants as time does.
    /// </remarks>
    public Task<IReadOnlyList<Alert>> PastDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync($"""
            SELECT payload FROM engagement_alerts
            WHERE state = 'Open' AND {dialect.JsonText("payload", "dueBy")} <= @now AND {dialect.JsonText("payload", "escalatedAt")} IS NULL
            ORDER BY {dialect.JsonText("payload", "dueBy")} LIMIT {limit}
            """, [("now", JsonSerializer.Serialize(now.ToUniversalTime(), Json).Trim('"'))], cancellationToken);

    // Reads are called from grains: they run outside the calling grain's turn where the driver would block it.
    public Task<long> LastSequenceAsync(CancellationToken cancellationToken = default) => dialect.OffTheCaller(async () =>
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, LastSequenceSql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    });

    public Task<IReadOnlyList<OpenAlertCount>> OpenCountsAsync(CancellationToken cancellationToken = default) =>
        dialect.OffTheCaller<IReadOnlyList<OpenAlertCount>>(async () =>
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var command = Command(connection, null,
                $"SELECT kind, {dialect.JsonText("payload", "severity")}, state, COUNT(*) FROM engagement_alerts WHERE state IN ({UnresolvedStates}) GROUP BY 1, 2, 3");
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
        dialect.OffTheCaller<IReadOnlyList<Alert>>(async () =>
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

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters) =>
        SqlCommands.Create(connection, transaction, sql, parameters);

    private ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) => dialect.OpenReadAsync(cancellationToken);

    /// <summary>A change under its sequence number, and the JSON stored for it.</summary>
    internal readonly record struct StoredAlert(Alert Alert, string Payload);
}

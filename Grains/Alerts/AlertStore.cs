using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using Engagement.Contracts.Alerts;
using Engagement.Grains.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Engagement.Grains.Alerts;

/// <summary>Alerts in the engine's store: the change log with its sequence numbers, and each alert's latest state.</summary>
public interface IAlertStore
{
    /// <summary>Stores a change of the alert under the next sequence number and returns the alert with it.</summary>
    Task<Alert> SaveAsync(Alert alert, CancellationToken cancellationToken = default);

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
}

/// <summary>
/// The alert store on SQLite or PostgreSQL: the same SQL, apart from how writers are serialized. Saves are
/// grouped (<see cref="GroupCommitWriter{TWrite,TResult}"/>): one transaction, off the grain scheduler,
/// stores the changes of many alerts, and a save returns once its transaction committed. One save per
/// transaction, on SQLite synchronously on a scheduler thread, stalled the silo when many alerts were raised together.
/// </summary>
public sealed class SqlAlertStore : GroupCommitWriter<Alert, Alert>, IAlertStore
{
    // Alerts come in bursts of at most a few thousand (a due-time poll); a group this large is one short transaction.
    private const int MaxSavesPerCommit = 1_000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly string _connectionString;
    private readonly NpgsqlDataSource? _postgres;
    private readonly WriterConnection _writer;

    /// <param name="postgres">The data source on PostgreSQL; null on SQLite, where <paramref name="connectionString"/> names the file.</param>
    public SqlAlertStore(string connectionString, NpgsqlDataSource? postgres, ILogger<SqlAlertStore> logger)
        : base(MaxSavesPerCommit, logger)
    {
        _connectionString = connectionString;
        _postgres = postgres;
        _writer = new WriterConnection(connectionString, postgres);
    }

    public Task<Alert> SaveAsync(Alert alert, CancellationToken cancellationToken = default) => EnqueueAsync(alert, cancellationToken);

    protected override int WeightOf(Alert write) => 1;

    protected override async Task<Alert[]> CommitGroupAsync(IReadOnlyList<Alert> group, CancellationToken cancellationToken)
    {
        await using var lease = await _writer.OpenAsync(cancellationToken).ConfigureAwait(false);
        var connection = lease.Connection;
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (_postgres is not null)
        {
            // One writer at a time across silos: sequence order is then commit order.
            await ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(7321001)", [], cancellationToken).ConfigureAwait(false);
        }
        var stored = new Alert[group.Count];
        for (var i = 0; i < group.Count; i++) stored[i] = await WriteAsync(connection, transaction, group[i], cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return stored;
    }

    /// <summary>Stores one change under the next sequence number, inside the group's transaction.</summary>
    private static async Task<Alert> WriteAsync(DbConnection connection, DbTransaction transaction, Alert alert, CancellationToken cancellationToken)
    {
        await using var insert = Command(connection, transaction,
            "INSERT INTO engagement_alert_changes (alert_id, team, payload) VALUES (@id, @team, '') RETURNING sequence",
            ("id", alert.AlertId), ("team", alert.Team));
        var sequence = Convert.ToInt64(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        var stored = alert with { Sequence = sequence };
        var payload = JsonSerializer.Serialize(stored, Json);
        await ExecuteAsync(connection, transaction, "UPDATE engagement_alert_changes SET payload = @payload WHERE sequence = @sequence",
            [("payload", payload), ("sequence", sequence)], cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, """
            INSERT INTO engagement_alerts (alert_id, customer_id, kind, team, state, assigned_to, sequence, payload)
            VALUES (@id, @customer, @kind, @team, @state, @assigned, @sequence, @payload)
            ON CONFLICT (alert_id) DO UPDATE SET team = excluded.team, state = excluded.state, assigned_to = excluded.assigned_to,
                sequence = excluded.sequence, payload = excluded.payload
            """,
            [("id", stored.AlertId), ("customer", stored.CustomerId), ("kind", stored.Kind.ToString()), ("team", stored.Team),
             ("state", stored.State.ToString()), ("assigned", (object?)stored.AssignedTo ?? DBNull.Value), ("sequence", sequence), ("payload", payload)],
            cancellationToken).ConfigureAwait(false);
        return stored;
    }

    protected override async ValueTask DisposeCoreAsync()
    {
        await _writer.DisposeAsync().ConfigureAwait(false);
        await base.DisposeCoreAsync().ConfigureAwait(false);
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

    public async Task<long> LastSequenceAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT COALESCE(MAX(sequence), 0) FROM engagement_alert_changes");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

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

    private async Task<IReadOnlyList<Alert>> QueryAsync(string sql, (string, object)[] parameters, CancellationToken cancellationToken)
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
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, (string, object)[] parameters, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters) =>
        SqlCommands.Create(connection, transaction, sql, parameters);

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (_postgres is not null) return await _postgres.OpenConnectionAsync(cancellationToken);
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}

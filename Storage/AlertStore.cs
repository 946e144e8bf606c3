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
    /// A page of cases, its counts and its sequence, read in one snapshot. The query's token must be one of its order
    /// (<see cref="CasePageToken.Decode"/>) and its page size from 1 to <see cref="CaseQuery.MaxPageSize"/>.
    /// </summary>
    Task<CasePage> CasesAsync(CaseQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Alerts not yet resolved of the given teams, newest raised first (ties by id), those after <paramref name="after"/>
    /// when given, at most <paramref name="limit"/>.
    /// </summary>
    Task<IReadOnlyList<Alert>> OpenPageAsync(IReadOnlyCollection<string>? teams, AlertPageKey? after, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Open alerts (not acknowledged) whose due time is at or before <paramref name="now"/> and that have not escalated
    /// yet, earliest due first, at most <paramref name="limit"/>: the SLA sweep's work. Due times are stored in UTC.
    /// </summary>
    Task<IReadOnlyList<Alert>> PastDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default);

    /// <summary>The outcome request of an event id (see <see cref="OutcomeRequest"/>), or null when none was begun.</summary>
    Task<OutcomeRequest?> OutcomeRequestAsync(string eventId, CancellationToken cancellationToken = default);

    /// <summary>Notes an outcome request about to record its event; a second begin of the same event id changes nothing.</summary>
    Task BeginOutcomeRequestAsync(string eventId, string alertId, CancellationToken cancellationToken = default);

    /// <summary>Keeps the answer of an outcome request unless one is kept already, and returns the one kept.</summary>
    Task<Alert> AnswerOutcomeRequestAsync(string eventId, Alert answer, CancellationToken cancellationToken = default);
}

/// <summary>
/// The alert store on SQLite or PostgreSQL: the same reads; a group of changes is written in one transaction,
/// numbered in commit order each store's way (<see cref="StoreDialect.NextAlertSequencesAsync"/>: SQLite's one
/// writer, PostgreSQL's advisory lock).
/// </summary>
/// <param name="committed">Pulsed after each commit: the change feed's relay copies the alert changes (<see cref="AlertChangeRelay"/>).</param>
public sealed class SqlAlertStore(StoreDialect dialect, ChangeSignal? committed = null) : IAlertStore, IAsyncDisposable
{
    /// <summary>How alerts are stored as JSON; whatever reads their payloads back (the feed's relay, queries) reads with it.</summary>
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    internal const string LastSequenceSql = "SELECT COALESCE(MAX(sequence), 0) FROM engagement_alert_changes";

    // What both dialects' statements share (StoreDialect.WriteAlertsAsync).
    internal const string InsertChangesSql = "INSERT INTO engagement_alert_changes (sequence, alert_id, team, payload)";

    internal const string InsertAlertsSql =
        "INSERT INTO engagement_alerts (alert_id, customer_id, kind, team, state, assigned_to, sequence, payload, severity, expected_loss, raised_at, due_by)";

    internal const string OnAlertConflictSql = """
        ON CONFLICT (alert_id) DO UPDATE SET team = excluded.team, state = excluded.state, assigned_to = excluded.assigned_to,
            sequence = excluded.sequence, payload = excluded.payload, severity = excluded.severity, expected_loss = excluded.expected_loss,
            raised_at = excluded.raised_at, due_by = excluded.due_by
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
        committed?.Pulse();
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

    public Task<OutcomeRequest?> OutcomeRequestAsync(string eventId, CancellationToken cancellationToken = default) => dialect.OffTheCaller(async () =>
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await ReadOutcomeRequestAsync(connection, null, eventId, cancellationToken);
    });

    public Task BeginOutcomeRequestAsync(string eventId, string alertId, CancellationToken cancellationToken = default) =>
        WriteOutcomeRequestAsync(
            "INSERT INTO engagement_alert_outcome_requests (event_id, alert_id) VALUES (@event, @alert) ON CONFLICT (event_id) DO NOTHING",
            [("event", eventId), ("alert", alertId)], eventId, cancellationToken);

    /// <remarks>The first answer stays: two requests racing with one key both answer what the first of them kept.</remarks>
    public async Task<Alert> AnswerOutcomeRequestAsync(string eventId, Alert answer, CancellationToken cancellationToken = default) =>
        (await WriteOutcomeRequestAsync("""
            INSERT INTO engagement_alert_outcome_requests (event_id, alert_id, answer) VALUES (@event, @alert, @answer)
            ON CONFLICT (event_id) DO UPDATE SET answer = COALESCE(engagement_alert_outcome_requests.answer, excluded.answer)
            """, [("event", eventId), ("alert", answer.AlertId), ("answer", JsonSerializer.Serialize(answer, Json))], eventId, cancellationToken))?.Answer
        ?? answer;

    private Task<OutcomeRequest?> WriteOutcomeRequestAsync(string sql, (string, object)[] parameters, string eventId, CancellationToken cancellationToken) =>
        dialect.OffTheCaller(async () =>
        {
            await using var lease = await _writer.OpenAsync(cancellationToken);
            await using var transaction = await dialect.BeginWriteAsync(lease.Connection, cancellationToken);
            await using (var command = Command(lease.Connection, transaction, sql, parameters)) await command.ExecuteNonQueryAsync(cancellationToken);
            var kept = await ReadOutcomeRequestAsync(lease.Connection, transaction, eventId, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return kept;
        });

    private static async Task<OutcomeRequest?> ReadOutcomeRequestAsync(DbConnection connection, DbTransaction? transaction, string eventId,
        CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, "SELECT alert_id, answer FROM engagement_alert_outcome_requests WHERE event_id = @event",
            ("event", eventId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return new OutcomeRequest(reader.GetString(0), reader.IsDBNull(1) ? null : JsonSerializer.Deserialize<Alert>(reader.GetString(1), Json));
    }

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

    /// <remarks>
    /// Keyset over (raised_at, alert_id), which an alert's changes never touch (<c>ix_engagement_alerts_raised</c>): the
    /// sequence column is that of the latest change, and paging by it skipped an alert changed between two pages.
    /// </remarks>
    public Task<IReadOnlyList<Alert>> OpenPageAsync(IReadOnlyCollection<string>? teams, AlertPageKey? after, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync($"""
            SELECT payload FROM engagement_alerts WHERE state IN ({UnresolvedStates}){TeamFilter(teams, out var p)}{(after is null ? "" :
                " AND (raised_at < @afterRaised OR (raised_at = @afterRaised AND alert_id < @afterAlert))")}
            ORDER BY raised_at DESC, alert_id DESC LIMIT {Math.Clamp(limit, 1, 1000)}
            """, [.. p, .. after is null ? Array.Empty<(string, object)>() : [("afterRaised", after.RaisedAtMilliseconds), ("afterAlert", after.AlertId)]],
            cancellationToken);

    /// <remarks>
    /// The cases are grouped and ranked by the database from the columns of <c>ix_engagement_alerts_cases</c> (never
    /// every alert in memory); only the page's customers' alerts are read whole. A page starts after the last case of
    /// the one before (keyset), so cases that arrive meanwhile shift nothing. The reads share one snapshot, so the
    /// counts, the page and <see cref="CasePage.AsOfSequence"/> agree.
    /// </remarks>
    public Task<CasePage> CasesAsync(CaseQuery query, CancellationToken cancellationToken = default) => dialect.OffTheCaller(async () =>
    {
        if (query.PageSize is < 1 or > CaseQuery.MaxPageSize) throw new ArgumentOutOfRangeException(nameof(query), query.PageSize, "pageSize: from 1 to 100");
        var after = query.PageToken is null ? null
            : CasePageToken.Decode(query.PageToken, query.Sort) ?? throw new ArgumentException("pageToken: not a token of this order", nameof(query));
        var filter = CaseFilter(query, out var parameters);
        var keys = CaseSortKeys(query.Sort);
        await using var connection = await OpenAsync(cancellationToken);
        await using var snapshot = await dialect.BeginSnapshotAsync(connection, cancellationToken);

        long asOf;
        await using (var last = Command(connection, snapshot, LastSequenceSql))
        {
            asOf = Convert.ToInt64(await last.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }

        var counts = new Dictionary<AlertSeverity, long>();
        await using (var count = Command(connection, snapshot,
            $"SELECT sev, COUNT(*) FROM (SELECT customer_id, MAX(severity) AS sev FROM engagement_alerts WHERE {filter} GROUP BY customer_id) c GROUP BY sev",
            parameters))
        await using (var reader = await count.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) counts[(AlertSeverity)reader.GetInt64(0)] = reader.GetInt64(1);
        }

        var page = new List<(string CustomerId, double[] Keys)>();
        (string, object)[] keysetParameters = [];
        var keyset = after is null ? "" : "WHERE " + Keyset(keys, after, out keysetParameters);
        await using (var rank = Command(connection, snapshot, $"""
            SELECT customer_id, {string.Join(", ", keys.Select(k => k.Column))} FROM (
                SELECT customer_id, MAX(expected_loss) AS loss, MAX(severity) AS sev, MIN(raised_at) AS opened, MAX(raised_at) AS newest
                FROM engagement_alerts WHERE {filter} GROUP BY customer_id) c
            {keyset}
            ORDER BY {string.Join(", ", keys.Select(k => k.Column + (k.Descending ? " DESC" : "")))}, customer_id
            LIMIT {query.PageSize + 1}
            """, [.. parameters, .. keysetParameters]))
        await using (var reader = await rank.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                page.Add((reader.GetString(0), [.. keys.Select((_, i) => Convert.ToDouble(reader.GetValue(i + 1), CultureInfo.InvariantCulture))]));
            }
        }
        var more = page.Count > query.PageSize;
        if (more) page.RemoveAt(page.Count - 1);

        var cases = new List<CustomerCase>(page.Count);
        if (page.Count > 0)
        {
            var customers = page.Select((c, i) => ($"customer{i}", (object)c.CustomerId)).ToArray();
            var alerts = await ReadAlertsAsync(connection, snapshot,
                $"SELECT payload FROM engagement_alerts WHERE {filter} AND customer_id IN ({string.Join(", ", customers.Select(c => "@" + c.Item1))})",
                [.. parameters, .. customers], cancellationToken);
            var byCustomer = alerts.ToLookup(a => a.CustomerId, StringComparer.Ordinal);
            cases.AddRange(page.Where(c => byCustomer.Contains(c.CustomerId)).Select(c => CustomerCase.Of([.. byCustomer[c.CustomerId]])));
        }
        return new CasePage
        {
            Cases = cases,
            NextPageToken = more ? new CasePageToken(query.Sort, page[^1].Keys, page[^1].CustomerId).Encode() : null,
            TotalCases = counts.Values.Sum(),
            CountsBySeverity = counts,
            AsOfSequence = asOf,
        };
    });

    /// <summary>The sort values of an order, by their names in the grouped query, and whether each runs high to low.</summary>
    private static (string Column, bool Descending)[] CaseSortKeys(CaseSort sort) => sort switch
    {
        CaseSort.ExpectedLoss => [("loss", true), ("sev", true), ("opened", false)],
        CaseSort.Severity => [("sev", true), ("loss", true), ("opened", false)],
        CaseSort.Newest => [("newest", true)],
        CaseSort.Oldest => [("opened", false)],
        _ => throw new ArgumentOutOfRangeException(nameof(sort), sort, "Unknown case order."),
    };

    /// <summary>The cases after the token's: later in the order on the first sort value that differs, else on the customer id.</summary>
    private static string Keyset((string Column, bool Descending)[] keys, CasePageToken after, out (string, object)[] parameters)
    {
        // Only the expected loss is fractional; the other values are whole numbers (rank, Unix milliseconds).
        parameters = [.. keys.Select((k, i) => ($"after{i}", k.Column == "loss" ? after.Keys[i] : (object)(long)after.Keys[i])),
            ("afterCustomer", after.CustomerId)];
        var terms = new List<string>();
        for (var i = 0; i <= keys.Length; i++)
        {
            var equal = keys.Take(i).Select((k, j) => $"{k.Column} = @after{j}");
            var beyond = i < keys.Length ? $"{keys[i].Column} {(keys[i].Descending ? "<" : ">")} @after{i}" : "customer_id > @afterCustomer";
            terms.Add("(" + string.Join(" AND ", equal.Append(beyond)) + ")");
        }
        return string.Join(" OR ", terms);
    }

    /// <summary>The conditions on alert rows that a case query sets (all of them on indexed columns).</summary>
    private static string CaseFilter(CaseQuery query, out (string, object)[] parameters)
    {
        var sql = new System.Text.StringBuilder(query.State == CaseState.Unresolved ? $"state IN ({UnresolvedStates})" : "state = @state");
        var list = new List<(string, object)>();
        if (query.State != CaseState.Unresolved) list.Add(("state", query.State.ToString()));
        sql.Append(TeamFilter(query.Teams, out var teams));
        list.AddRange(teams);
        if (query.Kinds.Count > 0)
        {
            sql.Append(" AND kind IN (").AppendJoin(", ", query.Kinds.Select((_, i) => $"@kind{i}")).Append(')');
            list.AddRange(query.Kinds.Select((k, i) => ($"kind{i}", (object)k.ToString())));
        }
        if (query.Severities.Count > 0)
        {
            sql.Append(" AND severity IN (").AppendJoin(", ", query.Severities.Select((_, i) => $"@severity{i}")).Append(')');
            list.AddRange(query.Severities.Select((s, i) => ($"severity{i}", (object)(long)s)));
        }
        if (query.AssignedTo is { } agent)
        {
            sql.Append(" AND assigned_to = @assignedTo");
            list.Add(("assignedTo", agent));
        }
        if (query.CustomerPrefix is { Length: > 0 } prefix)
        {
            sql.Append(" AND substr(customer_id, 1, @prefixLength) = @prefix");
            list.AddRange([("prefixLength", prefix.Length), ("prefix", prefix)]);
        }
        parameters = [.. list];
        return sql.ToString();
    }

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
            return await ReadAlertsAsync(connection, null, sql, parameters, cancellationToken);
        });

    private static async Task<IReadOnlyList<Alert>> ReadAlertsAsync(DbConnection connection, DbTransaction? transaction, string sql,
        (string, object)[] parameters, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        var alerts = new List<Alert>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            alerts.Add(JsonSerializer.Deserialize<Alert>(reader.GetString(0), Json)
                ?? throw new InvalidDataException("An alert row has an empty payload."));
        }
        return alerts;
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters) =>
        SqlCommands.Create(connection, transaction, sql, parameters);

    private ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) => dialect.OpenReadAsync(cancellationToken);

    /// <summary>A change under its sequence number, and the JSON stored for it.</summary>
    internal readonly record struct StoredAlert(Alert Alert, string Payload)
    {
        /// <summary>The severity column: its rank, so that worst first is a plain descending order.</summary>
        public int SeverityRank => (int)Alert.Severity;

        /// <summary>The expected loss column; a value that is not a number ranks as nothing at risk.</summary>
        public double ExpectedLoss => double.IsFinite(Alert.ExpectedLoss) ? Alert.ExpectedLoss : 0;

        public long RaisedAtMilliseconds => Alert.RaisedAt.ToUnixTimeMilliseconds();

        public long? DueByMilliseconds => Alert.DueBy?.ToUnixTimeMilliseconds();
    }
}

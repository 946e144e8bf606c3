using System.Buffers.Text;
using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Engagement.Contracts.Alerts;

namespace Engagement.Storage;

/// <summary>Which customers a query is about: every given dimension must match (several values of one: any of them).</summary>
public sealed record CustomerFilter
{
    public IReadOnlyList<string> Stages { get; init; } = [];

    /// <summary>ABC tiers: <c>A</c> matches <c>A</c> and its CLV bands (<c>A/Gold</c>); <c>A/Gold</c> only itself.</summary>
    public IReadOnlyList<string> Tiers { get; init; } = [];

    /// <summary>RFM group names (<see cref="Engagement.Model.RfmGroup"/>, e.g. <c>CantLoseThem</c>).</summary>
    public IReadOnlyList<string> RfmGroups { get; init; } = [];

    /// <summary>RFM cells (<c>555</c>).</summary>
    public IReadOnlyList<string> RfmCells { get; init; } = [];

    public IReadOnlyList<string> Teams { get; init; } = [];

    /// <summary>Segments the customer is in, all of them.</summary>
    public IReadOnlyList<string> Segments { get; init; } = [];

    /// <summary>Profile attributes (names and values as <see cref="CustomerAttributes.Key"/> keeps them), all of them.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Attributes { get; init; } = [];
}

/// <summary>What counts can be grouped by.</summary>
public enum CustomerDimension { Stage, Tier, RfmGroup, RfmCell, Team, Segment, Attribute }

/// <summary>One customer as lists and exports show it: the card's fields the store keeps.</summary>
public sealed record CustomerRow(
    string CustomerId,
    string? Name,
    string Stage,
    string Tier,
    string RfmCell,
    string RfmGroup,
    IReadOnlyList<string> Segments,
    string Team,
    double Clv,
    double ChurnRisk,
    double ExpectedLoss,
    double TotalSpend,
    int PurchaseDays,
    DateOnly? FirstPurchase,
    DateOnly? LastPurchase,
    DateTimeOffset? DueAt);

public sealed record CustomerPage(IReadOnlyList<CustomerRow> Customers, string? Next);

public sealed record GroupCount(string Key, long Count);

/// <param name="CompactedThrough">
/// The journal's retention deleted entries of this customer up to this sequence number (docs/operations.md, Retention): its
/// history starts after it; null when nothing was deleted.
/// </param>
public sealed record EventPage(IReadOnlyList<JournalEntry> Events, long? Next, long? CompactedThrough = null);

/// <summary>Alerts (cases) by customer, kind and the time they were raised (<c>from</c> inclusive, <c>to</c> exclusive).</summary>
public sealed record AlertHistoryFilter
{
    public string? CustomerId { get; init; }

    public IReadOnlyList<AlertKind> Kinds { get; init; } = [];

    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    /// <summary>The teams the caller sees; null: every team.</summary>
    public IReadOnlyList<string>? Teams { get; init; }
}

public sealed record AlertHistoryPage(IReadOnlyList<Alert> Alerts, string? Next);

/// <summary>A query's parameter that cannot be served: the field and why (HTTP 400, gRPC InvalidArgument).</summary>
public sealed class InvalidQueryException(string field, string reason) : Exception($"{field}: {reason}")
{
    public string Field { get; } = field;

    public string Reason { get; } = reason;
}

/// <summary>
/// Counts, pages and exports of customers, a customer's journal and alert history, read from the store's indexed
/// tables (16-customer-query.sql), never from the customers' grains. Lists are keyset-paged: a page ends with a
/// cursor that the next page starts after; exports stream rows from the database reader as they come.
/// </summary>
/// <remarks>
/// The order of a list is the order of the index it walks, so that no page sorts: by stage, tier, RFM group, team and
/// id when a dimension is given (segments are then matched in the index's copy of the digest's segment list), else by id
/// of the first segment's or attribute's rows.
/// </remarks>
public sealed class CustomerQueries(StoreDialect journal, StoreDialect alerts)
{
    public const int MaxPageSize = 1000;

    private const string RowColumns = """
        d.customer_id, d.name, d.stage, d.tier, d.rfm_cell, d.rfm_group, d.segments, d.team, d.clv, d.churn_risk, d.expected_loss,
        d.total_spend, d.purchase_days, d.first_purchase_day, d.last_purchase_day, d.due_at
        """;

    private static JsonSerializerOptions AlertJson => SqlAlertStore.Json;

    /// <summary>How many customers match.</summary>
    public async Task<long> CountAsync(CustomerFilter filter, CancellationToken cancellationToken = default)
    {
        var query = Source.Of(journal, filter, needsDigest: false);
        await using var connection = await journal.OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqlCommands.Create(connection, null, $"SELECT COUNT(*) {query.FromWhere}", [.. query.Parameters]);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// How many customers match, by the values of one dimension (a customer counts once in each of its segments;
    /// <paramref name="attribute"/> names the attribute for <see cref="CustomerDimension.Attribute"/>), the largest first, at most <paramref name="limit"/>.
    /// </summary>
    public async Task<IReadOnlyList<GroupCount>> CountByAsync(CustomerFilter filter, CustomerDimension by, string? attribute = null, int limit = MaxPageSize,
        CancellationToken cancellationToken = default)
    {
        string key;
        Source query;
        switch (by)
        {
            case CustomerDimension.Segment when HasDigestFilters(filter) || filter.Attributes.Count > 0:
                return await CountBySegmentColumnAsync(filter, limit, cancellationToken).ConfigureAwait(false);
            case CustomerDimension.Segment:
                query = Source.Of(journal, filter with { Segments = [] }, needsDigest: false, extraDriver: ("engagement_customer_segments gx", "", []));
                query.AddSegments(filter.Segments);
                key = "gx.segment";
                break;
            case CustomerDimension.Attribute:
                query = Source.Of(journal, filter, needsDigest: false, extraDriver: ("engagement_customer_attributes gx", "gx.name = @byName",
                    [("byName", CustomerAttributes.Key(attribute ?? throw new InvalidQueryException("by", "an attribute name is required")))]));
                key = "gx.value";
                break;
            default:
                query = Source.Of(journal, filter, needsDigest: true);
                key = "d." + Column(by);
                break;
        }
        await using var connection = await journal.OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqlCommands.Create(connection, null,
            $"SELECT {key}, COUNT(*) AS n {query.FromWhere} GROUP BY {key} ORDER BY n DESC, {key} LIMIT {Math.Clamp(limit, 1, MaxPageSize)}", [.. query.Parameters]);
        var groups = new List<GroupCount>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) groups.Add(new GroupCount(reader.GetString(0), reader.GetInt64(1)));
        return groups;
    }

    /// <summary>
    /// Counts by segment of customers found by their dimensions: the matching digests grouped by their (few distinct)
    /// segment lists, read from the dimension index alone, and each list's count added to each of its segments.
    /// </summary>
    private async Task<IReadOnlyList<GroupCount>> CountBySegmentColumnAsync(CustomerFilter filter, int limit, CancellationToken cancellationToken)
    {
        var query = Source.Of(journal, filter, needsDigest: true);
        await using var connection = await journal.OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqlCommands.Create(connection, null, $"SELECT d.segments, COUNT(*) {query.FromWhere} GROUP BY d.segments", [.. query.Parameters]);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var n = reader.GetInt64(1);
            foreach (var segment in reader.GetString(0).Split(',', StringSplitOptions.RemoveEmptyEntries)) counts[segment] = counts.GetValueOrDefault(segment) + n;
        }
        return [.. counts.Select(c => new GroupCount(c.Key, c.Value)).OrderByDescending(g => g.Count).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(Math.Clamp(limit, 1, MaxPageSize))];
    }

    private static bool HasDigestFilters(CustomerFilter filter) =>
        filter.Stages.Count + filter.Tiers.Count + filter.RfmGroups.Count + filter.RfmCells.Count + filter.Teams.Count > 0;

    /// <summary>A page of at most <paramref name="pageSize"/> customers after <paramref name="after"/> (a page's <see cref="CustomerPage.Next"/>).</summary>
    public async Task<CustomerPage> ListAsync(CustomerFilter filter, string? after, int pageSize, CancellationToken cancellationToken = default)
    {
        if (pageSize is < 1 or > MaxPageSize) throw new InvalidQueryException("pageSize", $"from 1 to {MaxPageSize}");
        var query = Source.Of(journal, filter, needsDigest: true);
        if (after is not null) query.After(Cursor.Decode(after, query.Kind));
        var rows = new List<CustomerRow>(pageSize + 1);
        await foreach (var row in ReadRowsAsync(query, pageSize + 1, cancellationToken).ConfigureAwait(false)) rows.Add(row);
        var next = rows.Count > pageSize ? Cursor.Encode(query.Kind, rows[pageSize - 1]) : null;
        return new CustomerPage(rows.Count > pageSize ? rows[..pageSize] : rows, next);
    }

    /// <summary>The instrument that counts exported customers as the store's reader yields them.</summary>
    public const string ExportedRowsMetric = "engagement.query.export.rows";

    private static readonly System.Diagnostics.Metrics.Counter<long> ExportedRows = EngagementMeter.Instance.CreateCounter<long>(
        ExportedRowsMetric, unit: "{customer}", description: "Customers read from the store for exports, counted as they are read (in steps of 64), by database.");

    /// <summary>Every matching customer, in the list's order, streamed from the database reader (one snapshot).</summary>
    public IAsyncEnumerable<CustomerRow> ExportAsync(CustomerFilter filter, CancellationToken cancellationToken = default) =>
        CountedAsync(ReadRowsAsync(Source.Of(journal, filter, needsDigest: true), null, cancellationToken));

    private async IAsyncEnumerable<CustomerRow> CountedAsync(IAsyncEnumerable<CustomerRow> rows)
    {
        var pending = 0;
        try
        {
            await foreach (var row in rows.ConfigureAwait(false))
            {
                if (++pending == 64)
                {
                    ExportedRows.Add(pending, journal.Database);
                    pending = 0;
                }
                yield return row;
            }
        }
        finally
        {
            if (pending > 0) ExportedRows.Add(pending, journal.Database);
        }
    }

    private async IAsyncEnumerable<CustomerRow> ReadRowsAsync(Source query, int? limit, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await journal.OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqlCommands.Create(connection, null,
            $"SELECT {RowColumns} {query.FromWhere} ORDER BY {query.OrderBy}{(limit is { } n ? $" LIMIT {n}" : "")}", [.. query.Parameters]);
        // An export reads as long as its client does.
        command.CommandTimeout = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) yield return ReadRow(reader);
    }

    private static CustomerRow ReadRow(DbDataReader r)
    {
        static DateOnly? Day(DbDataReader r, int i) => r.IsDBNull(i) ? null : DateOnly.FromDayNumber(r.GetInt32(i));
        return new CustomerRow(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5),
            r.GetString(6).Split(',', StringSplitOptions.RemoveEmptyEntries), r.GetString(7), r.GetDouble(8), r.GetDouble(9), r.GetDouble(10),
            r.GetDouble(11), r.GetInt32(12), Day(r, 13), Day(r, 14), CustomerDigest.FromMilliseconds(r.IsDBNull(15) ? null : r.GetInt64(15)));
    }

    /// <summary>The team of a stored customer; null when the store has no digest of it.</summary>
    public async Task<string?> TeamOfAsync(string customerId, CancellationToken cancellationToken = default)
    {
        await using var connection = await journal.OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqlCommands.Create(connection, null, "SELECT team FROM engagement_customer_digest WHERE customer_id = @customer",
            ("customer", customerId));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <summary>A customer's journal in its order, the entries after sequence number <paramref name="afterSeq"/>, at most <paramref name="pageSize"/>.</summary>
    public async Task<EventPage> EventsAsync(string customerId, long afterSeq, int pageSize, CancellationToken cancellationToken = default)
    {
        if (pageSize is < 1 or > MaxPageSize) throw new InvalidQueryException("pageSize", $"from 1 to {MaxPageSize}");
        await using var connection = await journal.OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqlCommands.Create(connection, null, $"""
            SELECT seq, event_id, event_type, channel, occurred_at, recorded_at, payload FROM engagement_journal
            WHERE customer_id = @customer AND seq > @after ORDER BY seq LIMIT {pageSize + 1}
            """, ("customer", customerId), ("after", afterSeq));
        var entries = new List<JournalEntry>(pageSize + 1);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                entries.Add(new JournalEntry(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                    journal.ReadInstant(reader, 4), journal.ReadInstant(reader, 5), reader.GetString(6)));
            }
        }
        // Where retention cut the history (a second read; a compaction between the two only moves it up).
        var compacted = await JournalCompaction.CompactedThroughAsync(connection, customerId, cancellationToken).ConfigureAwait(false);
        return entries.Count > pageSize ? new EventPage(entries[..pageSize], entries[pageSize - 1].Seq, compacted) : new EventPage(entries, null, compacted);
    }

    /// <summary>Alerts newest first (by the time raised), after a page's <see cref="AlertHistoryPage.Next"/>.</summary>
    public async Task<AlertHistoryPage> AlertsAsync(AlertHistoryFilter filter, string? after, int pageSize, CancellationToken cancellationToken = default)
    {
        if (pageSize is < 1 or > MaxPageSize) throw new InvalidQueryException("pageSize", $"from 1 to {MaxPageSize}");
        var where = new List<string>();
        var parameters = new List<(string, object)>();
        if (filter.CustomerId is { } customer)
        {
            where.Add("customer_id = @customer");
            parameters.Add(("customer", customer));
        }
        In(where, parameters, "kind", "kind", [.. filter.Kinds.Select(k => k.ToString())]);
        if (filter.Teams is { } teams) In(where, parameters, "team", "team", teams, noneMatches: true);
        if (filter.From is { } from)
        {
            where.Add("raised_at >= @from");
            parameters.Add(("from", from.ToUnixTimeMilliseconds()));
        }
        if (filter.To is { } to)
        {
            where.Add("raised_at < @to");
            parameters.Add(("to", to.ToUnixTimeMilliseconds()));
        }
        if (after is not null)
        {
            var key = Cursor.Decode(after, "alerts");
            if (key.Length != 2 || !long.TryParse(key[0], out var raised)) throw new InvalidQueryException("pageToken", "not a token of this query");
            where.Add("(raised_at < @afterRaised OR (raised_at = @afterRaised AND alert_id < @afterId))");
            parameters.Add(("afterRaised", raised));
            parameters.Add(("afterId", key[1]));
        }
        await using var connection = await alerts.OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using var command = SqlCommands.Create(connection, null, $"""
            SELECT payload, raised_at, alert_id FROM engagement_alerts{(where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")}
            ORDER BY raised_at DESC, alert_id DESC LIMIT {pageSize + 1}
            """, [.. parameters]);
        var found = new List<(Alert Alert, long Raised, string Id)>(pageSize + 1);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add((JsonSerializer.Deserialize<Alert>(reader.GetString(0), AlertJson)!, reader.GetInt64(1), reader.GetString(2)));
        }
        var next = found.Count > pageSize
            ? Cursor.Encode("alerts", [found[pageSize - 1].Raised.ToString(System.Globalization.CultureInfo.InvariantCulture), found[pageSize - 1].Id])
            : null;
        return new AlertHistoryPage([.. found.Take(pageSize).Select(f => f.Alert)], next);
    }

    private static string Column(CustomerDimension dimension) => dimension switch
    {
        CustomerDimension.Stage => "stage",
        CustomerDimension.Tier => "tier",
        CustomerDimension.RfmGroup => "rfm_group",
        CustomerDimension.RfmCell => "rfm_cell",
        CustomerDimension.Team => "team",
        _ => throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "Not a column of the digest."),
    };

    /// <summary><c>column IN (@p0, @p1, ...)</c>; nothing when there are no values, unless none must then match.</summary>
    private static void In(List<string> where, List<(string, object)> parameters, string column, string prefix, IReadOnlyList<string> values, bool noneMatches = false)
    {
        if (values.Count == 0)
        {
            if (noneMatches) where.Add("1 = 0");
            return;
        }
        var names = values.Select((v, i) => $"{prefix}{i}").ToArray();
        parameters.AddRange(names.Zip(values, (n, v) => (n, (object)v)));
        where.Add($"{column} IN ({string.Join(", ", names.Select(n => "@" + n))})");
    }

    /// <summary>
    /// The FROM and WHERE of a customer query, and the order it walks: a segment's or an attribute's rows by id when the
    /// filter names one (the narrowest index at hand), else the digests' dimension index.
    /// </summary>
    private sealed class Source
    {
        private readonly List<string> _joins = [];
        private readonly List<string> _where = [];
        private readonly string[] _keyColumns;
        private string _from = "";

        private Source(string kind, string[] keyColumns)
        {
            Kind = kind;
            _keyColumns = keyColumns;
        }

        public string Kind { get; }

        public List<(string Name, object Value)> Parameters { get; } = [];

        public string FromWhere => $"FROM {_from}{string.Concat(_joins)}{(_where.Count > 0 ? " WHERE " + string.Join(" AND ", _where) : "")}";

        public string OrderBy => string.Join(", ", _keyColumns);

        public static Source Of(StoreDialect dialect, CustomerFilter filter, bool needsDigest, (string Table, string Where, (string, object)[] Parameters)? extraDriver = null)
        {
            var digestFilters = HasDigestFilters(filter);
            Source source;
            var segments = filter.Segments;
            var attributes = filter.Attributes;
            if (extraDriver is { } driver)
            {
                source = new Source("group", ["gx.customer_id"]) { _from = driver.Table };
                if (driver.Where.Length > 0) source._where.Add(driver.Where);
                source.Parameters.AddRange(driver.Parameters);
                source.Driver = "gx.customer_id";
            }
            else if (segments.Count > 0 && !digestFilters)
            {
                source = new Source("segment", ["s0.customer_id"]) { _from = "engagement_customer_segments s0", Driver = "s0.customer_id" };
                source._where.Add("s0.segment = @segment0");
                source.Parameters.Add(("segment0", segments[0]));
                segments = segments.Skip(1).ToList();
            }
            else if (attributes.Count > 0 && (!digestFilters || segments.Count == 0))
            {
                // Joined, not probed: each planner starts from whichever side its statistics call narrower.
                source = new Source("attribute", ["a0.customer_id"]) { _from = "engagement_customer_attributes a0", Driver = "a0.customer_id" };
                source._where.Add("a0.name = @attributeName0 AND a0.value = @attributeValue0");
                source.Parameters.Add(("attributeName0", attributes[0].Key));
                source.Parameters.Add(("attributeValue0", attributes[0].Value));
                attributes = attributes.Skip(1).ToList();
            }
            else
            {
                source = new Source("digest", ["d.stage", "d.tier", "d.rfm_group", "d.team", "d.customer_id"])
                {
                    _from = "engagement_customer_digest d",
                    Driver = "d.customer_id",
                };
            }
            if (source._from != "engagement_customer_digest d" && (needsDigest || digestFilters))
            {
                source._joins.Add($" JOIN engagement_customer_digest d ON d.customer_id = {source.Driver}");
            }
            if (source.Kind == "digest")
            {
                // The digest's own segments column, read from the dimension index that carries it: no row per segment to look up.
                for (var i = 0; i < segments.Count; i++)
                {
                    source._where.Add(dialect.Contains("',' || d.segments || ','", $"segmentIn{i}"));
                    source.Parameters.Add(($"segmentIn{i}", $",{segments[i]},"));
                }
            }
            else
            {
                source.AddSegments(segments);
            }
            for (var i = 0; i < attributes.Count; i++)
            {
                source._where.Add($"EXISTS (SELECT 1 FROM engagement_customer_attributes a{i + 1} WHERE a{i + 1}.name = @attributeName{i + 1} AND a{i + 1}.value = @attributeValue{i + 1} AND a{i + 1}.customer_id = {source.Driver})");
                source.Parameters.Add(($"attributeName{i + 1}", attributes[i].Key));
                source.Parameters.Add(($"attributeValue{i + 1}", attributes[i].Value));
            }
            In(source._where, source.Parameters, "d.stage", "stage", filter.Stages);
            In(source._where, source.Parameters, "d.rfm_group", "rfmGroup", filter.RfmGroups);
            In(source._where, source.Parameters, "d.rfm_cell", "rfmCell", filter.RfmCells);
            In(source._where, source.Parameters, "d.team", "team", filter.Teams);
            if (filter.Tiers.Count > 0)
            {
                // A plain tier takes in its CLV bands: "A" is "A" and "A/…".
                source._where.Add("(" + string.Join(" OR ", filter.Tiers.Select((t, i) => t.Contains('/', StringComparison.Ordinal)
                    ? $"d.tier = @tier{i}"
                    : $"d.tier = @tier{i} OR d.tier LIKE @tierBands{i}")) + ")");
                foreach (var (tier, i) in filter.Tiers.Select((t, i) => (t, i)))
                {
                    source.Parameters.Add(($"tier{i}", tier));
                    if (!tier.Contains('/', StringComparison.Ordinal)) source.Parameters.Add(($"tierBands{i}", tier + "/%"));
                }
            }
            return source;
        }

        private string Driver { get; set; } = "";

        public void AddSegments(IReadOnlyList<string> segments)
        {
            for (var i = 0; i < segments.Count; i++)
            {
                var alias = $"sx{i}";
                _where.Add($"EXISTS (SELECT 1 FROM engagement_customer_segments {alias} WHERE {alias}.segment = @{alias} AND {alias}.customer_id = {Driver})");
                Parameters.Add((alias, segments[i]));
            }
        }

        /// <summary>Starts after a row whose key (the order's columns) is given: row-value order, which the index walks.</summary>
        public void After(string[] key)
        {
            if (key.Length != _keyColumns.Length) throw new InvalidQueryException("pageToken", "not a token of this query");
            var names = key.Select((_, i) => $"@after{i}").ToArray();
            _where.Add(key.Length == 1 ? $"{_keyColumns[0]} > {names[0]}" : $"({string.Join(", ", _keyColumns)}) > ({string.Join(", ", names)})");
            Parameters.AddRange(key.Select((k, i) => ($"after{i}", (object)k)));
        }
    }

    /// <summary>
    /// A page token: the query's kind and the last row's key, as base64url JSON, opaque to clients. A token of another
    /// kind of query is refused rather than misread.
    /// </summary>
    private static class Cursor
    {
        public static string Encode(string kind, CustomerRow row) => Encode(kind, kind == "digest"
            ? [row.Stage, row.Tier, row.RfmGroup, row.Team, row.CustomerId]
            : [row.CustomerId]);

        public static string Encode(string kind, string[] key) => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes((string[])[kind, .. key]));

        public static string[] Decode(string token, string kind)
        {
            string[]? parts = null;
            try
            {
                parts = JsonSerializer.Deserialize<string[]>(Base64Url.DecodeFromChars(token));
            }
            catch (Exception ex) when (ex is FormatException or JsonException)
            {
            }
            if (parts is not { Length: > 1 } || parts[0] != kind || parts.Any(p => p is null))
            {
                throw new InvalidQueryException("pageToken", "not a token of this query: pass the nextPageToken of the previous page, with the same filters");
            }
            return parts[1..];
        }
    }
}

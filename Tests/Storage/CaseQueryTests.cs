using Engagement.Contracts.Alerts;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;

namespace Engagement.Tests.Storage;

/// <summary>
/// The board's cases from the alert store, on both real stores: a customer's unresolved alerts as one case, ranked by
/// money at risk then severity then age, true counts, team scope and filters, keyset pages that stay put while alerts
/// arrive, and an older store upgraded in place.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class CaseQueryTests(TestStores stores)
{
    private static readonly DateTimeOffset At = new(2025, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task A_customers_alerts_are_one_case_ranked_by_expected_loss_then_severity_then_age(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var alerts = new SqlAlertStore(store.Dialect);
        await alerts.SaveAsync([
            Alert("c1", AlertKind.ChurnWarning, AlertSeverity.Warning, loss: 100, hoursAgo: 5),
            Alert("c1", AlertKind.ComplaintEscalation, AlertSeverity.Critical, loss: 40, hoursAgo: 1) with { AssignedTo = "ann", State = AlertState.Assigned },
            Alert("c2", AlertKind.ChurnWarning, AlertSeverity.Warning, loss: 500, hoursAgo: 2),
            Alert("c3", AlertKind.ChurnWarning, AlertSeverity.Critical, loss: 100, hoursAgo: 3),
            Alert("c4", AlertKind.ChurnWarning, AlertSeverity.Warning, loss: 100, hoursAgo: 9),
            Alert("c5", AlertKind.ChurnWarning, AlertSeverity.Critical, loss: 100, hoursAgo: 3),
            Alert("c6", AlertKind.ChurnWarning, AlertSeverity.Critical, loss: 900, hoursAgo: 1) with { State = AlertState.Resolved },
            Alert("c7", AlertKind.ChurnWarning, AlertSeverity.Critical, loss: 900, hoursAgo: 1, team: "south"),
        ], Ct);

        var page = await alerts.CasesAsync(new CaseQuery { Teams = ["north"] }, Ct);

        // c2 has most at risk; c3, c5 and c1 (its worst alert is Critical) tie on loss and severity: the oldest first,
        // then the customer id; c4 is Warning. c6 is resolved, c7 another team's.
        Assert.Equal(["c2", "c1", "c3", "c5", "c4"], page.Cases.Select(c => c.CustomerId));
        var c1 = page.Cases[1];
        Assert.Equal((AlertSeverity.Critical, 100.0, "ann", At.AddHours(-5), 2), (c1.Severity, c1.ExpectedLoss, c1.AssignedTo, c1.OpenedAt, c1.Alerts.Count));
        Assert.Equal([AlertKind.ComplaintEscalation, AlertKind.ChurnWarning], c1.Alerts.Select(a => a.Kind));
        Assert.Equal(5, page.TotalCases);
        Assert.Equal(new Dictionary<AlertSeverity, long> { [AlertSeverity.Critical] = 3, [AlertSeverity.Warning] = 2 }, page.CountsBySeverity);
        Assert.Equal(8, page.AsOfSequence);
        Assert.Null(page.NextPageToken);

        var everyTeam = await alerts.CasesAsync(new CaseQuery(), Ct);
        Assert.Equal(["c7", "c2", "c1", "c3", "c5", "c4"], everyTeam.Cases.Select(c => c.CustomerId));
        Assert.Equal(0, (await alerts.CasesAsync(new CaseQuery { Teams = [] }, Ct)).TotalCases);
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Filters_and_other_orders_are_served_by_the_store(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var alerts = new SqlAlertStore(store.Dialect);
        await alerts.SaveAsync([
            Alert("cdnow-11", AlertKind.ChurnWarning, AlertSeverity.Warning, loss: 100, hoursAgo: 5),
            Alert("cdnow-11", AlertKind.Retention, AlertSeverity.Critical, loss: 10, hoursAgo: 1) with { State = AlertState.Acknowledged },
            Alert("cdnow-12", AlertKind.SatisfactionDrop, AlertSeverity.Warning, loss: 500, hoursAgo: 2) with { State = AlertState.Assigned, AssignedTo = "bob" },
            Alert("web-3", AlertKind.ChurnWarning, AlertSeverity.Critical, loss: 50, hoursAgo: 8),
        ], Ct);

        async Task<string[]> Ids(CaseQuery query) => [.. (await alerts.CasesAsync(query, Ct)).Cases.Select(c => c.CustomerId)];

        Assert.Equal(["cdnow-11", "web-3"], await Ids(new CaseQuery { Kinds = [AlertKind.ChurnWarning] }));
        // Only the matching alerts make a case: cdnow-11's critical one has 10 at risk.
        Assert.Equal(["web-3", "cdnow-11"], await Ids(new CaseQuery { Severities = [AlertSeverity.Critical] }));
        Assert.Equal(["cdnow-11"], await Ids(new CaseQuery { State = CaseState.Acknowledged }));
        Assert.Equal(["cdnow-12"], await Ids(new CaseQuery { AssignedTo = "bob" }));
        Assert.Equal(["cdnow-12", "cdnow-11"], await Ids(new CaseQuery { CustomerPrefix = "cdnow-" }));
        Assert.Equal(["cdnow-11", "web-3", "cdnow-12"], await Ids(new CaseQuery { Sort = CaseSort.Severity }));
        Assert.Equal(["cdnow-11", "cdnow-12", "web-3"], await Ids(new CaseQuery { Sort = CaseSort.Newest }));
        Assert.Equal(["web-3", "cdnow-11", "cdnow-12"], await Ids(new CaseQuery { Sort = CaseSort.Oldest }));

        // A filtered case shows the alerts that match: the Retention alert is not a churn warning.
        var churn = await alerts.CasesAsync(new CaseQuery { Kinds = [AlertKind.ChurnWarning], CustomerPrefix = "cdnow" }, Ct);
        Assert.Equal((AlertSeverity.Warning, 1), (churn.Cases[0].Severity, churn.Cases[0].Alerts.Count));
        Assert.Equal(new Dictionary<AlertSeverity, long> { [AlertSeverity.Warning] = 1 }, churn.CountsBySeverity);
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Pages_continue_where_they_left_off_while_new_alerts_arrive(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var alerts = new SqlAlertStore(store.Dialect);
        // Ten cases, several tying on loss and severity so that the order leans on age and customer id too.
        await alerts.SaveAsync([.. Enumerable.Range(0, 10).Select(i =>
            Alert($"c{i}", AlertKind.ChurnWarning, i % 2 == 0 ? AlertSeverity.Critical : AlertSeverity.Warning, loss: 100 * (i / 3), hoursAgo: i % 3))], Ct);
        var expected = (await alerts.CasesAsync(new CaseQuery { PageSize = 100 }, Ct)).Cases.Select(c => c.CustomerId).ToList();

        var first = await alerts.CasesAsync(new CaseQuery { PageSize = 4 }, Ct);
        // Cases that rank above the first page arrive: an offset would now repeat the end of page one.
        await alerts.SaveAsync([.. Enumerable.Range(0, 5).Select(i => Alert($"new{i}", AlertKind.ChurnWarning, AlertSeverity.Critical, loss: 10_000, hoursAgo: 0))], Ct);
        var read = first.Cases.Select(c => c.CustomerId).ToList();
        var token = first.NextPageToken;
        while (token is not null)
        {
            var page = await alerts.CasesAsync(new CaseQuery { PageSize = 4, PageToken = token }, Ct);
            read.AddRange(page.Cases.Select(c => c.CustomerId));
            token = page.NextPageToken;
            Assert.Equal(15, page.TotalCases);
        }

        Assert.Equal(expected, read);
        Assert.Equal(10, first.TotalCases);
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task A_token_of_another_order_is_refused(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var alerts = new SqlAlertStore(store.Dialect);
        await alerts.SaveAsync([Alert("c1", AlertKind.ChurnWarning, AlertSeverity.Warning, 1, 1), Alert("c2", AlertKind.ChurnWarning, AlertSeverity.Warning, 2, 1)], Ct);
        var token = (await alerts.CasesAsync(new CaseQuery { PageSize = 1 }, Ct)).NextPageToken!;

        await Assert.ThrowsAsync<ArgumentException>(() => alerts.CasesAsync(new CaseQuery { PageToken = token, Sort = CaseSort.Newest }, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => alerts.CasesAsync(new CaseQuery { PageToken = "not a token" }, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => alerts.CasesAsync(new CaseQuery { PageSize = 101 }, Ct));
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Open_alerts_page_newest_raised_first_and_an_alert_changed_between_pages_keeps_its_place(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var alerts = new SqlAlertStore(store.Dialect);
        // c0 raised 10 hours ago … c4 6 hours ago; c5 and c6 at the same time (the id breaks the tie).
        await alerts.SaveAsync([.. Enumerable.Range(0, 5).Select(i => Alert($"c{i}", AlertKind.ChurnWarning, AlertSeverity.Warning, 1, hoursAgo: 10 - i)),
            Alert("c5", AlertKind.ChurnWarning, AlertSeverity.Warning, 1, hoursAgo: 3), Alert("c6", AlertKind.ChurnWarning, AlertSeverity.Warning, 1, hoursAgo: 3)], Ct);

        var first = await alerts.OpenPageAsync(["north"], null, 3, Ct);
        // Between pages: an alert not listed yet and a listed one change (each now the latest change), and one is raised.
        var changed = await alerts.SaveAsync([
            Alert("c1", AlertKind.ChurnWarning, AlertSeverity.Critical, 1, hoursAgo: 9) with { State = AlertState.Acknowledged },
            Alert("c5", AlertKind.ChurnWarning, AlertSeverity.Warning, 1, hoursAgo: 3) with { State = AlertState.Assigned, AssignedTo = "ann" },
            Alert("c7", AlertKind.ChurnWarning, AlertSeverity.Warning, 1, hoursAgo: 0)], Ct);
        var second = await alerts.OpenPageAsync(["north"], AlertPageKey.After(first[^1]), 3, Ct);
        var third = await alerts.OpenPageAsync(["north"], AlertPageKey.After(second[^1]), 3, Ct);

        Assert.Equal(["c6", "c5", "c4"], first.Select(a => a.CustomerId));
        Assert.Equal(["c3", "c2", "c1"], second.Select(a => a.CustomerId));
        Assert.Equal(AlertState.Acknowledged, second[^1].State);
        Assert.Equal(["c0"], third.Select(a => a.CustomerId));
        Assert.Equal(["c7", "c6", "c5"], (await alerts.OpenPageAsync(["north"], null, 3, Ct)).Select(a => a.CustomerId));
        Assert.True(changed.All(c => c.Sequence > first.Max(a => a.Sequence)));
        Assert.Empty(await alerts.OpenPageAsync(["south"], null, 2, Ct));
        Assert.Equal(new AlertPageKey(At.AddHours(-9).ToUnixTimeMilliseconds(), "c1|ChurnWarning|1"), AlertPageKey.Decode(AlertPageKey.After(second[^1]).Encode()));
        Assert.Null(AlertPageKey.Decode("42"));
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task An_outcome_request_is_known_once_begun_and_keeps_its_first_answer(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var alerts = new SqlAlertStore(store.Dialect);
        var first = Alert("c1", AlertKind.ChurnWarning, AlertSeverity.Critical, 100, 1) with { State = AlertState.Resolved, Outcome = AlertOutcome.Retained };
        var later = first with { Outcome = AlertOutcome.Lost, ResolutionNote = "another answer" };

        Assert.Null(await alerts.OutcomeRequestAsync("contact-outcome|c1|ChurnWarning|1|k", Ct));
        await alerts.BeginOutcomeRequestAsync("contact-outcome|c1|ChurnWarning|1|k", first.AlertId, Ct);
        await alerts.BeginOutcomeRequestAsync("contact-outcome|c1|ChurnWarning|1|k", first.AlertId, Ct);
        Assert.Equal(new OutcomeRequest(first.AlertId, null), await alerts.OutcomeRequestAsync("contact-outcome|c1|ChurnWarning|1|k", Ct));

        // The first answer stays: a racing second request with the same key answers what the first kept.
        Assert.Equal(AlertOutcome.Retained, (await alerts.AnswerOutcomeRequestAsync("contact-outcome|c1|ChurnWarning|1|k", first, Ct)).Outcome);
        Assert.Equal(AlertOutcome.Retained, (await alerts.AnswerOutcomeRequestAsync("contact-outcome|c1|ChurnWarning|1|k", later, Ct)).Outcome);
        var kept = await alerts.OutcomeRequestAsync("contact-outcome|c1|ChurnWarning|1|k", Ct);
        Assert.Equal((first.AlertId, first.Outcome, first.State), (kept!.AlertId, kept.Answer!.Outcome, kept.Answer.State));

        // Answered without a begin (a request whose begin is older than this store's table) is kept too.
        Assert.Equal(AlertOutcome.Lost, (await alerts.AnswerOutcomeRequestAsync("contact-outcome|c1|ChurnWarning|1|other", later, Ct)).Outcome);
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task An_older_store_gains_the_case_columns_filled_from_its_alerts(StoreKind kind)
    {
        var store = await stores.CreateEmptyAsync(kind, Ct);
        var alert = Alert("c1", AlertKind.ChurnWarning, AlertSeverity.Critical, loss: 250.5, hoursAgo: 3) with { DueBy = At.AddMinutes(15) };
        // The table as it was before issue 14, with one alert in it.
        await ExecuteAsync(store, """
            CREATE TABLE engagement_alerts (alert_id text NOT NULL PRIMARY KEY, customer_id text NOT NULL, kind text NOT NULL,
                team text NOT NULL, state text NOT NULL, assigned_to text NULL, sequence bigint NOT NULL, payload text NOT NULL);
            """);
        await ExecuteAsync(store, $"""
            INSERT INTO engagement_alerts VALUES ('{alert.AlertId}', 'c1', 'ChurnWarning', 'north', 'Open', NULL, 1,
                '{System.Text.Json.JsonSerializer.Serialize(alert, AlertJson)}')
            """);

        await StoreSchema.ApplyAsync(store.Dialect, Ct);
        // A changed script runs again as a whole: the columns it adds must not be added twice.
        await ExecuteAsync(store, "DELETE FROM EngagementSchemaHistory");
        await StoreSchema.ApplyAsync(store.Dialect, Ct);

        await using var alerts = new SqlAlertStore(store.Dialect);
        var page = await alerts.CasesAsync(new CaseQuery(), Ct);
        var found = Assert.Single(page.Cases);
        Assert.Equal((AlertSeverity.Critical, 250.5, At.AddHours(-3)), (found.Severity, found.ExpectedLoss, found.OpenedAt));
        Assert.Equal(new Dictionary<AlertSeverity, long> { [AlertSeverity.Critical] = 1 }, page.CountsBySeverity);
        Assert.Equal(Values(alert), await ReadColumnsAsync(store));
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Every_save_fills_the_case_columns(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var alerts = new SqlAlertStore(store.Dialect);
        var raised = Alert("c1", AlertKind.ChurnWarning, AlertSeverity.Warning, loss: 12.25, hoursAgo: 2) with { DueBy = At.AddHours(4) };
        await alerts.SaveAsync([raised], Ct);
        Assert.Equal(Values(raised), await ReadColumnsAsync(store));

        var escalated = raised with { Severity = AlertSeverity.Critical, ExpectedLoss = 99, Escalated = true, DueBy = null };
        await alerts.SaveAsync([escalated], Ct);
        Assert.Equal(Values(escalated), await ReadColumnsAsync(store));
    }

    private static readonly System.Text.Json.JsonSerializerOptions AlertJson =
        new(System.Text.Json.JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    private static (long, double, long, long?) Values(Alert alert) =>
        ((long)alert.Severity, alert.ExpectedLoss, alert.RaisedAt.ToUnixTimeMilliseconds(), alert.DueBy?.ToUnixTimeMilliseconds());

    private static async Task<(long, double, long, long?)> ReadColumnsAsync(TestStore store)
    {
        await using var connection = await OpenAsync(store);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT severity, expected_loss, raised_at, due_by FROM engagement_alerts";
        await using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        return (Convert.ToInt64(reader.GetValue(0)), reader.GetDouble(1), Convert.ToInt64(reader.GetValue(2)),
            reader.IsDBNull(3) ? null : Convert.ToInt64(reader.GetValue(3)));
    }

    private static async Task ExecuteAsync(TestStore store, string sql)
    {
        await using var connection = await OpenAsync(store);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<System.Data.Common.DbConnection> OpenAsync(TestStore store)
    {
        System.Data.Common.DbConnection connection = store.Kind == StoreKind.Sqlite
            ? new Microsoft.Data.Sqlite.SqliteConnection(store.ConnectionString)
            : new Npgsql.NpgsqlConnection(store.ConnectionString);
        await connection.OpenAsync(Ct);
        return connection;
    }

    private static Alert Alert(string customerId, AlertKind kind, AlertSeverity severity, double loss, int hoursAgo, string team = "north") => new()
    {
        AlertId = AlertIds.Of(customerId, kind, 1),
        Kind = kind,
        Severity = severity,
        State = AlertState.Open,
        CustomerId = customerId,
        Team = team,
        Title = $"{kind} of {customerId}",
        Context = new AlertContext { Stage = "AtRisk", Tier = "B", Clv = loss * 2, ChurnRisk = 0.5 },
        RaisedAt = At.AddHours(-hoursAgo),
        UpdatedAt = At.AddHours(-hoursAgo),
        ExpectedLoss = loss,
    };
}

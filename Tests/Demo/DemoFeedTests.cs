using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Engagement.Contracts.V1;
using Engagement.Feeds;
using Engagement.Gateway.Demo;
using Engagement.Grains.Hosting;
using Engagement.Tests.Console;
using Engagement.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Engagement.Tests.Demo;

/// <summary>
/// An embedded engine whose demo folder holds small CDNOW-format files, with a fake business clock (what "today"
/// is for rebasing) and a fake pace clock (so that tests move a slow replay forward, or not, themselves).
/// </summary>
public sealed class DemoEngineFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset Now = new(2026, 11, 23, 15, 0, 0, TimeSpan.Zero);

    public DirectoryInfo Folder { get; } = Directory.CreateTempSubdirectory("engagement-demo-");

    public FakeTimeProvider BusinessClock { get; } = new(Now);

    public FakeTimeProvider PaceClock { get; } = new(Now);

    public EngineHost Engine { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        // Out of date order on purpose, with the master layout's header.
        File.WriteAllLines(Path.Combine(Folder.FullName, "mini.txt"),
        [
            " customer_id  date number_of_cds  dollar_value",
            " 00001 19970101  1   11.77",
            " 00002 19970101  2   20.00",
            " 00001 19970103  1   15.00",
            " 00003 19970102  1    9.99",
            " 00002 19970105  3   30.50",
        ]);
        // Three days for the stop and speed test: 3 transactions on the first, 2 on the second, then 2 and 1.
        File.WriteAllLines(Path.Combine(Folder.FullName, "slow.txt"),
        [
            " 10001 19970101 1 10", " 10002 19970101 1 11", " 10003 19970101 1 12",
            " 10001 19970102 1 13", " 10004 19970102 1 14",
            " 10002 19970103 1 15", " 10005 19970103 1 16",
            " 10001 19970104 1 17",
        ]);
        File.WriteAllText(Path.Combine(Folder.FullName, "notes.md"), "not a transaction file");
        Engine = await EngineHost.StartEmbeddedAsync(
            settings: [new("Engagement:Demo:DataFolder", Folder.FullName)],
            services: s => s
                .AddKeyedSingleton<TimeProvider>(EngagementClock.Key, BusinessClock)
                .AddKeyedSingleton<TimeProvider>(DemoFeed.PaceClockKey, PaceClock));
    }

    public async ValueTask DisposeAsync()
    {
        if (Engine is not null) await Engine.DisposeAsync();
        Folder.Delete(recursive: true);
    }
}

/// <summary>
/// The console's demo feed over its HTTP API against the real engine: replays through the public ingest that
/// complete, count re-runs as duplicates, stop, change speed live; the simulator with every event type; bad
/// requests, a second feed and non-admin keys refused.
/// </summary>
public sealed class DemoFeedTests(DemoEngineFixture fixture) : IClassFixture<DemoEngineFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_replay_rebased_to_today_completes_and_a_second_run_counts_duplicates()
    {
        using var http = fixture.Engine.Http(TestKeys.Admin);
        var files = await http.GetFromJsonAsync<JsonElement>("/api/demo/files", Ct);
        Assert.Equal(["mini.txt", "slow.txt"], files.EnumerateArray().Select(f => f.GetProperty("name").GetString()));
        Assert.True(files[0].GetProperty("bytes").GetInt64() > 0);

        var started = await http.PostAsJsonAsync("/api/demo/replay", new { file = "mini.txt", speed = 100_000 }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var status = await started.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("replay", status.GetProperty("kind").GetString());
        Assert.Equal("mini.txt", status.GetProperty("source").GetString());
        Assert.Equal(5, status.GetProperty("total").GetInt64());

        var done = await UntilStateAsync(http, "completed");
        Assert.Equal(5, done.GetProperty("sent").GetInt64());
        Assert.Equal(5, done.GetProperty("accepted").GetInt64());
        Assert.Equal(0, done.GetProperty("rejected").GetInt64());
        Assert.Equal("1997-01-05", done.GetProperty("currentDay").GetString());

        // The last data day is the business clock's today; the gaps between days are kept.
        var today = new DateTimeOffset(DemoEngineFixture.Now.Date, TimeSpan.Zero).AddHours(12);
        var card = await fixture.Engine.Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = "cdnow-00002" }, cancellationToken: Ct);
        Assert.Equal(today, card.LastPurchaseAt.ToDateTimeOffset());
        Assert.Equal(today.AddDays(-4), card.FirstPurchaseAt.ToDateTimeOffset());
        Assert.Equal(2, card.PurchaseDays);
        var other = await fixture.Engine.Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = "cdnow-00003" }, cancellationToken: Ct);
        Assert.Equal(today.AddDays(-3), other.LastPurchaseAt.ToDateTimeOffset());

        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/api/demo/replay", new { file = "mini.txt", speed = 100_000 }, Ct)).StatusCode);
        var again = await UntilStateAsync(http, "completed");
        Assert.Equal(0, again.GetProperty("accepted").GetInt64());
        Assert.Equal(5, again.GetProperty("duplicates").GetInt64());
    }

    [Fact]
    public async Task A_slow_replay_follows_a_live_speed_change_and_stops_part_way()
    {
        using var http = fixture.Engine.Http(TestKeys.Admin);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/api/demo/replay", new { file = "slow.txt", speed = 1 }, Ct)).StatusCode);

        // The first day goes at once; the next is a second of pace away, and the pace clock does not move by itself.
        await Wait.UntilAsync(async () => (await StatusAsync(http)).GetProperty("accepted").GetInt64() == 3, Timeout, "the first day acknowledged");

        // One feed at a time.
        var second = await http.PostAsJsonAsync("/api/demo/replay", new { file = "mini.txt" }, Ct);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Conflict, (await http.PostAsJsonAsync("/api/demo/simulate", new { customers = 5 }, Ct)).StatusCode);

        var faster = await http.PutAsJsonAsync("/api/demo/speed", new { speed = 2 }, Ct);
        Assert.Equal(HttpStatusCode.OK, faster.StatusCode);
        Assert.Equal(2, (await faster.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("speed").GetDouble());

        // At 2 days a second, half a second reaches the second day (at the old speed it would not).
        fixture.PaceClock.Advance(TimeSpan.FromSeconds(0.5));
        await Wait.UntilAsync(async () => (await StatusAsync(http)).GetProperty("currentDay").GetString() == "1997-01-02", Timeout, "the second day sent");

        var stop = await http.PostAsync("/api/demo/stop", null, Ct);
        Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        var stopped = await stop.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("stopped", stopped.GetProperty("state").GetString());
        Assert.Equal(5, stopped.GetProperty("sent").GetInt64());
        Assert.Equal(5, stopped.GetProperty("accepted").GetInt64());
        Assert.Equal(8, stopped.GetProperty("total").GetInt64());

        // Stopping again changes nothing; the speed of a stopped feed cannot change.
        var again = await (await http.PostAsync("/api/demo/stop", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("stopped", again.GetProperty("state").GetString());
        Assert.Equal(5, again.GetProperty("sent").GetInt64());
        Assert.Equal(HttpStatusCode.Conflict, (await http.PutAsJsonAsync("/api/demo/speed", new { speed = 3 }, Ct)).StatusCode);
    }

    [Fact]
    public async Task The_simulator_sends_every_event_type_and_none_is_rejected()
    {
        using var http = fixture.Engine.Http(TestKeys.Admin);
        var started = await http.PostAsJsonAsync("/api/demo/simulate", new { customers = 40, eventsPerSecond = 100 }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var status = await started.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("simulate", status.GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Null, status.GetProperty("total").ValueKind);

        // The customers' history, then live events happening now (the first live batch goes at once).
        var now = DemoEngineFixture.Now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        await Wait.UntilAsync(async () => (await JournalAsync()).Any(e => e.OccurredAt == now), Timeout, "live events in the journal");
        var stopped = await (await http.PostAsync("/api/demo/stop", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal("stopped", stopped.GetProperty("state").GetString());
        Assert.Equal(0, stopped.GetProperty("rejected").GetInt64());
        Assert.Equal(stopped.GetProperty("sent").GetInt64(), stopped.GetProperty("accepted").GetInt64());
        var journal = await JournalAsync();
        Assert.Equal(stopped.GetProperty("accepted").GetInt64(), journal.Count);
        Assert.Equal(Enum.GetValues<EventKind>().Select(EventMix.WireName).Order(), journal.Select(e => e.Type).Distinct().Order());
        Assert.All(journal, e => Assert.True(string.CompareOrdinal(e.OccurredAt, now) <= 0, $"{e.OccurredAt} is after now"));

        // Unhappy customers complain and answer surveys badly: the supervisors hear of it.
        var alerts = await fixture.Engine.Client.Alerts(TestKeys.Admin).ListAsync(new ListAlertsRequest(), cancellationToken: Ct);
        Assert.Contains(alerts.Alerts, a => a.CustomerId.StartsWith("sim-", StringComparison.Ordinal) && a.Kind is "SatisfactionDrop" or "ComplaintEscalation");
        var card = await fixture.Engine.Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = "sim-00001" }, cancellationToken: Ct);
        Assert.All((string[])["name", "region", "city", "phone", "email"], attribute => Assert.Contains(attribute, card.Profile.Keys));
    }

    [Fact]
    public async Task Bad_requests_name_the_field_and_only_admins_may_run_the_demo()
    {
        using var http = fixture.Engine.Http(TestKeys.Admin);
        await ConsoleAssertions.AssertProblemAsync(await http.PostAsJsonAsync("/api/demo/replay", new { file = "mini.txt", speed = 0 }, Ct), HttpStatusCode.BadRequest, "speed");
        await ConsoleAssertions.AssertProblemAsync(await http.PostAsJsonAsync("/api/demo/replay", new { file = "mini.txt", speed = -5 }, Ct), HttpStatusCode.BadRequest, "speed");
        await ConsoleAssertions.AssertProblemAsync(await http.PostAsJsonAsync("/api/demo/replay", new { file = "missing.txt" }, Ct), HttpStatusCode.BadRequest, "file");
        await ConsoleAssertions.AssertProblemAsync(await http.PostAsJsonAsync("/api/demo/replay", new { file = "../x" }, Ct), HttpStatusCode.BadRequest, "file");
        await ConsoleAssertions.AssertProblemAsync(await http.PostAsJsonAsync("/api/demo/replay", new { file = "notes.md" }, Ct), HttpStatusCode.BadRequest, "file");
        await ConsoleAssertions.AssertProblemAsync(await http.PostAsJsonAsync("/api/demo/replay", new { speed = 10 }, Ct), HttpStatusCode.BadRequest, "file");
        await ConsoleAssertions.AssertProblemAsync(await http.PostAsJsonAsync("/api/demo/simulate", new { customers = 0 }, Ct), HttpStatusCode.BadRequest, "customers");
        await ConsoleAssertions.AssertProblemAsync(await http.PostAsJsonAsync("/api/demo/simulate", new { eventsPerSecond = 0 }, Ct), HttpStatusCode.BadRequest, "eventsPerSecond");
        await ConsoleAssertions.AssertProblemAsync(await http.PutAsJsonAsync("/api/demo/speed", new { speed = 0 }, Ct), HttpStatusCode.BadRequest, "speed");
        await ConsoleAssertions.AssertProblemAsync(await http.PutAsJsonAsync("/api/demo/speed", new { }, Ct), HttpStatusCode.BadRequest, "speed");

        foreach (var key in new[] { TestKeys.Channel, TestKeys.Agent, TestKeys.Supervisor })
        {
            using var other = fixture.Engine.Http(key);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync("/api/demo", Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.PostAsJsonAsync("/api/demo/replay", new { file = "mini.txt" }, Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.PostAsync("/api/demo/stop", null, Ct)).StatusCode);
        }
        using var anonymous = fixture.Engine.Http(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/demo/files", Ct)).StatusCode);
    }

    private static async Task<JsonElement> StatusAsync(HttpClient http) => await http.GetFromJsonAsync<JsonElement>("/api/demo", Ct);

    private static async Task<JsonElement> UntilStateAsync(HttpClient http, string state)
    {
        JsonElement status = default;
        await Wait.UntilAsync(async () => (status = await StatusAsync(http)).GetProperty("state").GetString() == state, Timeout, $"the demo feed {state}");
        return status;
    }

    private sealed record JournalEntry(string Type, string OccurredAt);

    /// <summary>The simulated customers' events as the engine's journal holds them.</summary>
    private async Task<List<JournalEntry>> JournalAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(fixture.Engine.DataDirectory, "engagement.db")};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT event_type, occurred_at FROM engagement_journal WHERE customer_id LIKE 'sim-%'";
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var entries = new List<JournalEntry>();
        while (await reader.ReadAsync(Ct)) entries.Add(new JournalEntry(reader.GetString(0), reader.GetString(1)));
        return entries;
    }
}

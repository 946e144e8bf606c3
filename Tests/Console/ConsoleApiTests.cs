using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;
using Engagement.Tests.Push;

namespace Engagement.Tests.Console;

/// <summary>
/// The console's view of the caller, of recent customers and of the event rate, over real HTTP on the
/// embedded engine, with events sent over real gRPC.
/// </summary>
public sealed class ConsoleApiTests(PushEngineFixture engine) : IClassFixture<PushEngineFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] CustomerEndpoints =
        ["/api/customers/lookup?q=c-1", "/api/customers/recent", "/api/activity", "/api/population/flow"];

    [Theory]
    [InlineData(TestKeys.Channel, "Engagement:Keys:0", "channel", "*", false, false, false)]
    [InlineData(TestKeys.Agent, "Engagement:Keys:1", "agent", "*", true, false, false)]
    [InlineData(TestKeys.Supervisor, "Engagement:Keys:2", "supervisor", "*", true, true, false)]
    [InlineData(PushKeys.NorthSupervisor, "supervisor-north", "supervisor", "north", true, true, false)]
    [InlineData(TestKeys.Admin, "Engagement:Keys:3", "admin", "*", true, true, true)]
    public async Task Me_tells_each_key_its_name_role_teams_and_abilities(
        string key, string name, string role, string team, bool canReadCustomers, bool canSupervise, bool canAdmin)
    {
        using var http = engine.Host.Http(key);
        var me = await http.GetFromJsonAsync<JsonElement>("/api/me", Ct);

        Assert.Equal(name, me.GetProperty("name").GetString());
        Assert.Equal(role, me.GetProperty("role").GetString());
        Assert.Equal([team], me.GetProperty("teams").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(
            (canReadCustomers, canSupervise, canAdmin),
            (me.GetProperty("canReadCustomers").GetBoolean(), me.GetProperty("canSupervise").GetBoolean(), me.GetProperty("canAdmin").GetBoolean()));
    }

    [Fact]
    public async Task Without_a_known_key_every_console_endpoint_is_401_and_a_channel_key_may_not_read_customers()
    {
        using var anonymous = engine.Host.Http(null);
        using var unknown = engine.Host.Http("not-a-key-of-this-engine-0123456789");
        using var channel = engine.Host.Http(TestKeys.Channel);
        foreach (var path in CustomerEndpoints.Append("/api/me"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path, Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await unknown.GetAsync(path, Ct)).StatusCode);
        }
        foreach (var path in CustomerEndpoints)
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await channel.GetAsync(path, Ct)).StatusCode);
        }
    }

    [Fact]
    public async Task Recent_customers_come_newest_first_with_their_latest_event()
    {
        var run = Guid.NewGuid().ToString("N");
        var (first, second, third) = ($"recent-1-{run}", $"recent-2-{run}", $"recent-3-{run}");
        var at = DateTimeOffset.UtcNow.AddMinutes(-10);
        await engine.Client.SubmitAcceptedAsync(Events.Purchase(first, 20, at));
        await engine.Client.SubmitAcceptedAsync(Events.Visit(second, at.AddMinutes(1)));
        await engine.Client.SubmitAcceptedAsync(Events.Purchase(third, 30, at.AddMinutes(2)));
        var again = Events.Visit(first, at.AddMinutes(3));
        again.Channel = "store";
        await engine.Client.SubmitAcceptedAsync(again);

        using var http = engine.Host.Http(TestKeys.Agent);
        List<JsonElement> ours = [];
        await Wait.UntilAsync(async () =>
        {
            var recent = await http.GetFromJsonAsync<JsonElement[]>("/api/customers/recent?limit=100", Ct);
            ours = [.. recent!.Where(r => r.GetProperty("customerId").GetString()!.EndsWith(run, StringComparison.Ordinal))];
            return ours.Count == 3 && ours[0].GetProperty("customerId").GetString() == first;
        }, TimeSpan.FromSeconds(30), "the three customers appear in the recent list, the one active last on top");

        Assert.Equal([first, third, second], ours.Select(r => r.GetProperty("customerId").GetString()));
        var top = ours[0];
        Assert.Equal(at.AddMinutes(3), top.GetProperty("lastEventAt").GetDateTimeOffset());
        Assert.Equal(("store", "visit"), (top.GetProperty("channel").GetString(), top.GetProperty("type").GetString()));
        Assert.Equal(["customerId", "lastEventAt", "channel", "type"], top.EnumerateObject().Select(p => p.Name));

        // The limit is honoured, and a bad one is a problem naming the field.
        Assert.Single(await http.GetFromJsonAsync<JsonElement[]>("/api/customers/recent?limit=1", Ct) ?? []);
        foreach (var bad in new[] { "0", "101", "many" })
        {
            var response = await http.GetAsync($"/api/customers/recent?limit={bad}", Ct);
            await ConsoleAssertions.AssertProblemAsync(response, HttpStatusCode.BadRequest, "limit");
        }
    }

    [Fact]
    public async Task Activity_counts_accepted_events_per_channel_and_not_duplicates()
    {
        var run = Guid.NewGuid().ToString("N")[..12];
        var (web, store) = ($"web/{run}", $"store/{run}");
        var now = DateTimeOffset.UtcNow.AddMinutes(-1);
        var webEvents = Enumerable.Range(0, 7).Select(i => On(web, Events.Visit($"act-{i % 3}-{run}", now))).ToArray();
        var storeEvents = Enumerable.Range(0, 3).Select(i => On(store, Events.Purchase($"act-{i}-{run}", 5, now))).ToArray();
        await engine.Client.SubmitAcceptedAsync(webEvents[..4]);
        await engine.Client.SubmitAcceptedAsync([.. webEvents[4..], .. storeEvents]);

        using var http = engine.Host.Http(TestKeys.Supervisor);
        await ConsoleAssertions.WaitForActivityAsync(http, (web, 7), (store, 3));

        // Sent again with one new store event for the same customer: only the new one counts.
        var ack = await engine.Client.Ingest().SubmitAsync(Events.Batch([.. webEvents[..2], On(store, Events.Visit($"act-0-{run}", now))]), cancellationToken: Ct);
        Assert.Equal((1, 2), (ack.Accepted, ack.Duplicates));
        await ConsoleAssertions.WaitForActivityAsync(http, (web, 7), (store, 4));

        var activity = await http.GetFromJsonAsync<JsonElement>("/api/activity", Ct);
        Assert.Equal(5, activity.GetProperty("bucketSeconds").GetInt32());
        Assert.Equal(60, activity.GetProperty("channels").GetProperty(web).GetArrayLength());
        var asOf = activity.GetProperty("asOf").GetDateTimeOffset();
        Assert.InRange(asOf, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    private static Event On(string channel, Event @event)
    {
        @event.Channel = channel;
        return @event;
    }
}

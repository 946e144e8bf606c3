using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Engagement.Contracts.Alerts;
using Engagement.Contracts.V1;
using Engagement.Storage;
using Engagement.Tests.Console;
using Engagement.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.Tests.Identity;

/// <summary>
/// Merging two customers that are one person (issue 17), end to end over the real HTTP and gRPC surfaces: on SQLite
/// (the embedded engine) and on PostgreSQL (a silo and a cluster-mode gateway).
/// </summary>
public abstract class MergeTests
{
    private static readonly DateTimeOffset Day = DateTimeOffset.UtcNow.Date.AddDays(-200);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected abstract EngineHost Host { get; }

    private EngineClient Client => Host.Client;

    [Fact]
    public async Task A_merge_combines_both_histories_and_equals_a_customer_fed_both_directly()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        var (a, b, direct) = ($"a-{run}", $"b-{run}", $"direct-{run}");
        Event[] ofA = [Events.Purchase(a, 120, Day), Events.Profile(a, Day.AddDays(1), ("email", $"Ada.{run}@Example.com"), ("region", "north")),
            Events.Purchase(a, 80, Day.AddDays(90)), Events.Visit(a, Day.AddDays(150))];
        Event[] ofB = [Events.Visit(b, Day.AddDays(20)), Events.Purchase(b, 300, Day.AddDays(40)), Events.Profile(b, Day.AddDays(41), ("phone", $"+1 555 {Digits(run)}"), ("loyalty_id", $"L-{run}")),
            Events.Purchase(b, 45, Day.AddDays(170)), Events.Nps(b, 2, DateTimeOffset.UtcNow.AddHours(-1))];
        await Client.SubmitAcceptedAsync(ofA);
        await Client.SubmitAcceptedAsync(ofB);
        // The same events, in event-time order, into one customer directly.
        // (Its contacts are its own: the same ones would be conflicts, noted in A's and B's histories.)
        var both = ofA.Concat(ofB).OrderBy(e => e.OccurredAt.ToDateTimeOffset()).Select(e => With(e, direct, e.EventId)).ToArray();
        foreach (var update in both.Where(e => e.ProfileUpdate is not null).Select(e => e.ProfileUpdate))
        {
            foreach (var contact in update.Attributes.Keys.Where(k => k != "region").ToList()) update.Attributes[contact] = "direct-" + update.Attributes[contact];
        }
        await Client.SubmitAcceptedAsync(both);
        using var admin = Host.Http(TestKeys.Admin);
        var alertOfB = Assert.Single(await AlertsAsync(admin, b), x => Is(x, "kind", AlertKind.SatisfactionDrop));
        Assert.False(Is(alertOfB, "state", AlertState.Resolved));

        var merged = await MergeAsync(admin, a, b, "same person: web visitor then buyer");
        Assert.Equal(a, merged.GetProperty("into").GetString());
        Assert.Equal(ofA.Length + ofB.Length + 1, merged.GetProperty("events").GetInt32());

        // History: both, by event time, and the merge's own note last.
        var history = await EventIdsAsync(a);
        Assert.Equal([.. both.Select(e => e.EventId)], history.SkipLast(1));
        Assert.StartsWith("identity|merged|", history[^1]);

        // The model: as if the customer had been fed both histories.
        var customers = Client.Customers();
        var card = await customers.GetAsync(new GetCustomerRequest { CustomerId = a }, cancellationToken: Ct);
        var expected = await customers.GetAsync(new GetCustomerRequest { CustomerId = direct }, cancellationToken: Ct);
        Assert.Equal((expected.TotalSpend, expected.PurchaseDays, expected.PurchaseCount, expected.Stage, expected.Tier, expected.RfmCell),
            (card.TotalSpend, card.PurchaseDays, card.PurchaseCount, card.Stage, card.Tier, card.RfmCell));
        Assert.Equal(expected.Clv, card.Clv, 3);
        Assert.Equal(expected.ChurnRisk, card.ChurnRisk, 3);
        Assert.Equal(expected.Segments.Order(), card.Segments.Order());
        Assert.Equal(expected.Profile.Select(p => (p.Key, p.Value.Replace("direct-", "", StringComparison.Ordinal))).Order(), card.Profile.Select(p => (p.Key, p.Value)).Order());
        // The decision log says who merged and why.
        var decision = Assert.Single(card.DecisionLog, d => d.Kind == "Identity");
        Assert.Contains("same person: web visitor then buyer", decision.Cause);
        Assert.Contains("admin", decision.Cause);

        // Every identifier of B names A; B's id shows A's card.
        using var agent = Host.Http(TestKeys.Agent);
        var identifiers = await agent.GetFromJsonAsync<JsonElement>($"/api/customers/{a}/identifiers", Ct);
        var keys = identifiers.GetProperty("identifiers").EnumerateArray().Select(i => $"{i.GetProperty("kind").GetString()}:{i.GetProperty("value").GetString()}").ToList();
        Assert.Equal(["customer:" + a, "customer:" + b, $"email:ada.{run}@example.com", $"external:loyalty_id:L-{run}", $"phone:+1555{Digits(run)}"], keys);
        var lookup = await agent.GetFromJsonAsync<JsonElement>($"/api/customers/lookup?q={Uri.EscapeDataString($"+1555{Digits(run)}")}", Ct);
        Assert.Equal(a, lookup.GetProperty("customerId").GetString());
        Assert.Equal(a, (await customers.GetAsync(new GetCustomerRequest { CustomerId = b }, cancellationToken: Ct)).CustomerId);

        // Later events for B land on A; an event id B had seen is a duplicate whether it is sent for B or for A.
        var later = await Client.Ingest().SubmitAsync(Events.Batch(Events.Purchase(b, 10, Day.AddDays(180))), cancellationToken: Ct);
        Assert.Equal((1, 0), (later.Accepted, later.Duplicates));
        var again = await Client.Ingest().SubmitAsync(Events.Batch(ofB[1], With(ofB[1], a, ofB[1].EventId)), cancellationToken: Ct);
        Assert.Equal((0, 2), (again.Accepted, again.Duplicates));
        var after = await customers.GetAsync(new GetCustomerRequest { CustomerId = a }, cancellationToken: Ct);
        Assert.Equal(card.TotalSpend + 10, after.TotalSpend, 6);

        // B's open alert moved to A.
        var moved = Assert.Single(merged.GetProperty("movedAlerts").EnumerateArray().Select(m => m.GetString()!),
            m => m.StartsWith($"{a}|SatisfactionDrop|", StringComparison.Ordinal));
        Assert.Contains(await AlertsAsync(admin, a), x => x.GetProperty("alertId").GetString() == moved && !Is(x, "state", AlertState.Resolved));
        Assert.Contains(await AlertsAsync(admin, b), x => x.GetProperty("alertId").GetString() == alertOfB.GetProperty("alertId").GetString()
            && Is(x, "state", AlertState.Resolved));

        // The change feed has the merge.
        var feed = Host.Services.GetRequiredService<IChangeFeed>();
        var change = Assert.Single(await feed.ReadAsync(0, [ChangeKinds.IdentityMerged], 10_000, Ct), c => c.CustomerId == a);
        Assert.Contains($"\"from\":\"{b}\"", change.Data);
    }

    [Fact]
    public async Task A_contact_claimed_by_a_second_customer_stays_with_the_first_and_is_surfaced()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        var (owner, claimant) = ($"owner-{run}", $"claimant-{run}");
        var email = $"shared.{run}@example.com";
        await Client.SubmitAcceptedAsync(Events.Profile(owner, Day, ("email", email)));
        await Client.SubmitAcceptedAsync(Events.Profile(claimant, Day.AddDays(1), ("email", email.ToUpperInvariant())));

        using var agent = Host.Http(TestKeys.Agent);
        var found = await agent.GetFromJsonAsync<JsonElement>($"/api/customers/lookup?q={email}", Ct);
        Assert.Equal(owner, found.GetProperty("customerId").GetString());

        using var admin = Host.Http(TestKeys.Admin);
        var conflicts = await AllConflictsAsync(admin);
        var conflict = Assert.Single(conflicts, c => c.GetProperty("claimantId").GetString() == claimant);
        Assert.Equal(("email", email, owner), (conflict.GetProperty("kind").GetString(), conflict.GetProperty("value").GetString(), conflict.GetProperty("ownerId").GetString()));

        // In the decision log of both (the holder's note is sent without waiting).
        var customers = Client.Customers();
        var claimantCard = await customers.GetAsync(new GetCustomerRequest { CustomerId = claimant }, cancellationToken: Ct);
        Assert.Contains(claimantCard.DecisionLog, d => d.Kind == "Identity" && d.Cause.Contains(owner, StringComparison.Ordinal));
        await Wait.UntilAsync(async () => (await customers.GetAsync(new GetCustomerRequest { CustomerId = owner }, cancellationToken: Ct)).DecisionLog
            .Any(d => d.Kind == "Identity" && d.Cause.Contains(claimant, StringComparison.Ordinal)), TimeSpan.FromSeconds(20), "the holder's note of the conflict");
        var listed = await agent.GetFromJsonAsync<JsonElement>($"/api/customers/{claimant}/identifiers", Ct);
        Assert.Contains(listed.GetProperty("conflicts").EnumerateArray(), c => c.GetProperty("ownerId").GetString() == owner);
    }

    [Fact]
    public async Task An_unmerge_gives_the_customer_back_its_history_identifiers_and_alerts()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        var (a, b) = ($"ua-{run}", $"ub-{run}");
        await Client.SubmitAcceptedAsync(Events.Purchase(a, 50, Day), Events.Profile(a, Day, ("email", $"ua.{run}@example.com")));
        await Client.SubmitAcceptedAsync(Events.Purchase(b, 500, Day.AddDays(10)), Events.Profile(b, Day.AddDays(10), ("phone", $"+44 20 {Digits(run)}")),
            Events.Nps(b, 1, DateTimeOffset.UtcNow.AddHours(-1)));
        var customers = Client.Customers();
        var before = await customers.GetAsync(new GetCustomerRequest { CustomerId = b }, cancellationToken: Ct);

        using var integration = Host.Http(TestKeys.Integration);
        await MergeAsync(integration, a, b, "looked like one person");
        var response = await integration.PostAsJsonAsync($"/api/customers/{a}/unmerge", new { from = b, reason = "two people after all" }, Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));

        var restored = await customers.GetAsync(new GetCustomerRequest { CustomerId = b }, cancellationToken: Ct);
        Assert.Equal(b, restored.CustomerId);
        Assert.Equal((before.TotalSpend, before.PurchaseCount, before.Tier), (restored.TotalSpend, restored.PurchaseCount, restored.Tier));
        Assert.Equal(50, (await customers.GetAsync(new GetCustomerRequest { CustomerId = a }, cancellationToken: Ct)).TotalSpend, 6);
        using var agent = Host.Http(TestKeys.Agent);
        var found = await agent.GetFromJsonAsync<JsonElement>($"/api/customers/lookup?q={Uri.EscapeDataString($"+4420{Digits(run)}")}", Ct);
        Assert.Equal(b, found.GetProperty("customerId").GetString());
        using var admin = Host.Http(TestKeys.Admin);
        Assert.Contains(await AlertsAsync(admin, b), x => Is(x, "kind", AlertKind.SatisfactionDrop) && !Is(x, "state", AlertState.Resolved));
        Assert.DoesNotContain(await AlertsAsync(admin, a), x => Is(x, "kind", AlertKind.SatisfactionDrop) && !Is(x, "state", AlertState.Resolved));

        // Events for B land on B again; a second unmerge has nothing to undo.
        await Client.SubmitAcceptedAsync(Events.Purchase(b, 5, Day.AddDays(20)));
        Assert.Equal(before.TotalSpend + 5, (await customers.GetAsync(new GetCustomerRequest { CustomerId = b }, cancellationToken: Ct)).TotalSpend, 6);
        await ConsoleAssertions.AssertProblemAsync(await integration.PostAsJsonAsync($"/api/customers/{a}/unmerge", new { from = b, reason = "again" }, Ct),
            HttpStatusCode.Conflict, "from");
    }

    [Fact]
    public async Task Roles_other_than_admin_and_integration_cannot_merge_and_the_conflict_list_is_for_admins()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        var (a, b) = ($"ra-{run}", $"rb-{run}");
        await Client.SubmitAcceptedAsync(Events.Purchase(a, 10, Day), Events.Purchase(b, 10, Day));
        foreach (var key in new[] { TestKeys.Agent, TestKeys.Supervisor, TestKeys.Channel })
        {
            using var http = Host.Http(key);
            Assert.Equal(HttpStatusCode.Forbidden, (await http.PostAsJsonAsync($"/api/customers/{a}/merge", new { from = b, reason = "r" }, Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync("/api/admin/identity/conflicts", Ct)).StatusCode);
        }
        using (var anonymous = Host.Http(null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync($"/api/customers/{a}/merge", new { from = b, reason = "r" }, Ct)).StatusCode);
        }
        using (var integration = Host.Http(TestKeys.Integration))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await integration.GetAsync($"/api/customers/{a}/identifiers", Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await integration.GetAsync("/api/admin/identity/conflicts", Ct)).StatusCode);
        }
        var denied = await Assert.ThrowsAsync<RpcException>(async () => await new Contracts.V1.Identity.IdentityClient(Invoker(TestKeys.Agent))
            .MergeAsync(new MergeRequest { CustomerId = a, From = b, Reason = "r" }, cancellationToken: Ct));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        // Nothing was merged.
        Assert.Equal(b, (await Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = b }, cancellationToken: Ct)).CustomerId);
    }

    [Fact]
    public async Task Bad_merges_are_refused_with_the_field_at_fault_and_a_merged_target_stands_for_its_customer()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        var (a, b, c) = ($"ba-{run}", $"bb-{run}", $"bc-{run}");
        await Client.SubmitAcceptedAsync(Events.Purchase(a, 10, Day), Events.Purchase(b, 20, Day), Events.Purchase(c, 30, Day));
        using var admin = Host.Http(TestKeys.Admin);
        async Task Refused(string id, object body, HttpStatusCode status, string field) =>
            await ConsoleAssertions.AssertProblemAsync(await admin.PostAsJsonAsync($"/api/customers/{id}/merge", body, Ct), status, field);

        await Refused(a, new { from = a, reason = "r" }, HttpStatusCode.BadRequest, "from");
        await Refused(a, new { from = $"nobody-{run}", reason = "r" }, HttpStatusCode.BadRequest, "from");
        await Refused($"nobody-{run}", new { from = a, reason = "r" }, HttpStatusCode.BadRequest, "id");
        await Refused(a, new { from = b, reason = new string('x', 501) }, HttpStatusCode.BadRequest, "reason");
        await Refused(a, new { from = b }, HttpStatusCode.BadRequest, "reason");
        await Refused(a, new { reason = "r" }, HttpStatusCode.BadRequest, "from");

        var identity = new Contracts.V1.Identity.IdentityClient(Invoker(TestKeys.Admin));
        async Task<StatusCode> GrpcRefusal(string id, string from, string reason) =>
            (await Assert.ThrowsAsync<RpcException>(async () => await identity.MergeAsync(new MergeRequest { CustomerId = id, From = from, Reason = reason }, cancellationToken: Ct))).StatusCode;
        Assert.Equal(StatusCode.InvalidArgument, await GrpcRefusal(a, a, "r"));
        Assert.Equal(StatusCode.NotFound, await GrpcRefusal(a, $"nobody-{run}", "r"));
        Assert.Equal(StatusCode.InvalidArgument, await GrpcRefusal(a, b, new string('x', 501)));

        // B into A; then C "into B" is C into A; B again is refused (merged already).
        var reply = await identity.MergeAsync(new MergeRequest { CustomerId = a, From = b, Reason = "one person" }, cancellationToken: Ct);
        Assert.Equal(a, reply.CustomerId);
        var chained = await MergeAsync(admin, b, c, "also the same person");
        Assert.Equal(a, chained.GetProperty("into").GetString());
        Assert.Equal(60, (await Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = a }, cancellationToken: Ct)).TotalSpend, 6);
        await Refused(a, new { from = b, reason = "r" }, HttpStatusCode.Conflict, "from");
        Assert.Equal(StatusCode.FailedPrecondition, await GrpcRefusal(a, c, "r"));
        var listed = await identity.ListIdentifiersAsync(new ListIdentifiersRequest { CustomerId = a }, cancellationToken: Ct);
        Assert.Equal([$"customer:{a}", $"customer:{b}", $"customer:{c}"], listed.Identifiers.Select(i => $"{i.Kind}:{i.Value}"));
    }

    private CallInvoker Invoker(string key) => Client.Channel.Intercept(metadata =>
    {
        metadata.Add("authorization", $"Bearer {key}");
        return metadata;
    });

    private static async Task<JsonElement> MergeAsync(HttpClient http, string into, string from, string reason)
    {
        var response = await http.PostAsJsonAsync($"/api/customers/{into}/merge", new { from, reason }, Ct);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    private async Task<List<string>> EventIdsAsync(string customerId)
    {
        using var integration = Host.Http(TestKeys.Integration);
        var page = await integration.GetFromJsonAsync<JsonElement>($"/api/query/customers/{customerId}/events?pageSize=1000", Ct);
        return [.. page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("eventId").GetString()!)];
    }

    private static async Task<List<JsonElement>> AlertsAsync(HttpClient http, string customerId)
    {
        var page = await http.GetFromJsonAsync<JsonElement>($"/api/query/alerts?customer={customerId}", Ct);
        return [.. page.GetProperty("alerts").EnumerateArray()];
    }

    private static async Task<List<JsonElement>> AllConflictsAsync(HttpClient admin)
    {
        var all = new List<JsonElement>();
        string? after = null;
        do
        {
            var page = await admin.GetFromJsonAsync<JsonElement>($"/api/admin/identity/conflicts?limit=2{(after is null ? "" : $"&after={after}")}", Ct);
            all.AddRange(page.GetProperty("items").EnumerateArray());
            after = page.GetProperty("next") is { ValueKind: JsonValueKind.Number } next ? next.GetInt64().ToString() : null;
        }
        while (after is not null);
        return all;
    }

    /// <summary>An enum field of the alert JSON, written as its name or its number.</summary>
    private static bool Is<T>(JsonElement json, string field, T value) where T : struct, Enum
    {
        var element = json.GetProperty(field);
        return element.ValueKind == JsonValueKind.String ? element.GetString() == value.ToString() : element.GetInt32() == Convert.ToInt32(value);
    }

    private static Event With(Event e, string customerId, string eventId)
    {
        var copy = e.Clone();
        copy.CustomerId = customerId;
        copy.EventId = eventId;
        return copy;
    }

    private static string Digits(string run) => new([.. run[..7].Select(ch => (char)('0' + ch % 10))]);
}

/// <summary>On SQLite: the embedded engine.</summary>
public sealed class SqliteMergeTests(EmbeddedEngineFixture engine) : MergeTests, IClassFixture<EmbeddedEngineFixture>
{
    protected override EngineHost Host => engine.Host;
}

/// <summary>On PostgreSQL: a silo and a cluster-mode gateway.</summary>
public sealed class PostgresMergeTests(ClusterEngineFixture engine) : MergeTests, IClassFixture<ClusterEngineFixture>
{
    protected override EngineHost Host => engine.Gateway;
}

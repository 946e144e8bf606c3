using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Engagement.Contracts.Alerts;
using Engagement.Contracts.V1;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.Tests.Privacy;

/// <summary>
/// Erasure end to end on both stores (issue 17): a person with a profile, a history, alerts, an agent's keyed outcome,
/// change-feed rows and a contact index entry is erased by an admin; then no table of the store (enumerated from its
/// catalogue, so tables other parts add later are searched too) and, on SQLite, no byte of any file in the data folder
/// holds their id, name, email or phone; the same after a restart; and their later events are refused or stored
/// anonymised as configured, leaving nothing of them either.
/// </summary>
public sealed class ErasureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTimeOffset Start = new(2025, 3, 1, 9, 0, 0, TimeSpan.Zero);

    public static TheoryData<StoreKind, string> Cases => new()
    {
        { StoreKind.Sqlite, "Refuse" },
        { StoreKind.PostgreSql, "Refuse" },
        { StoreKind.Sqlite, "Anonymise" },
        { StoreKind.PostgreSql, "Anonymise" },
    };

    [Theory, MemberData(nameof(Cases))]
    public async Task Erase_leaves_nothing_of_the_person_in_any_table_or_file_after_a_restart_too_and_later_events_are_handled_as_configured(StoreKind kind, string afterErasure)
    {
        var person = new Person($"privacy-subject-{Guid.NewGuid():N}", "Erin Erasable", $"erin.{Guid.NewGuid():N}@example.org", "+44 20 7946 0958");
        var control = $"privacy-control-{Guid.NewGuid():N}";
        await using var engine = await PrivacyEngine.StartAsync(kind,
        [
            new("Engagement:Privacy:AfterErasure", afterErasure),
            new("Engagement:Changes:PollInterval", "00:00:00.100"),
        ]);
        var client = engine.Client;

        await FeedAsync(client, person, control);
        var alert = await AlertOfAsync(engine, person.Id);
        using (var agent = engine.Gateway.Http(TestKeys.Supervisor))
        {
            using var outcome = new HttpRequestMessage(HttpMethod.Post, $"/api/alerts/{Uri.EscapeDataString(alert.AlertId)}/outcome")
            {
                Content = JsonContent.Create(new { outcome = "reached", note = $"spoke with {person.Name} on {person.Phone}" }),
            };
            outcome.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
            (await agent.SendAsync(outcome, Ct)).EnsureSuccessStatusCode();
            // The lookup by email goes through the identity index.
            Assert.Equal(HttpStatusCode.OK, (await agent.GetAsync($"/api/customers/lookup?q={Uri.EscapeDataString(person.Email)}", Ct)).StatusCode);
        }
        // The alert changes reach the change feed (the relay copies them): wait until the person is in the feed's rows.
        await Wait.UntilAsync(async () => (await engine.FindInTablesAsync([person.Id], Ct)).Any(h => h.Contains(" engagement_changes.", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the person's alert changes are in the change feed");
        Assert.Equal(2, await CountAsync(engine));

        // The searches see the person where the engine keeps them: so that finding nothing later means something.
        var before = await engine.FindInTablesAsync(person.Texts, Ct);
        // (The customer's checkpoint is not searched for: its key and payload are not the person's text; erasure deletes it by its key.)
        foreach (var table in (string[])["engagement_journal", "engagement_customer_digest", "engagement_customer_attributes",
                     "engagement_alerts", "engagement_alert_changes", "engagement_alert_outcome_requests", "engagement_changes", "engagement_identities"])
        {
            Assert.True(before.Any(h => h.Contains($" {table}.", StringComparison.Ordinal)), $"{table} holds nothing of the person before the erasure");
        }
        foreach (var text in person.Plain)
        {
            Assert.True(before.Any(h => Person.Forms(text).Any(f => h.Contains($"'{f}'", StringComparison.Ordinal))), $"'{text}' is nowhere before the erasure");
        }
        if (kind == StoreKind.Sqlite) Assert.NotEmpty(engine.FindInFiles(person.Texts));

        // Only an admin erases.
        foreach (var key in (string[])[TestKeys.Agent, TestKeys.Supervisor, TestKeys.Integration, TestKeys.Channel])
        {
            using var other = engine.Gateway.Http(key);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.DeleteAsync($"/api/customers/{person.Id}", Ct)).StatusCode);
        }
        using var admin = engine.Gateway.Http(TestKeys.Admin);
        var erased = await admin.DeleteAsync($"/api/customers/{person.Id}", Ct);
        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        var receipt = await erased.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("completed", receipt.GetProperty("state").GetString());
        Assert.True(receipt.GetProperty("found").GetBoolean());
        Assert.True(receipt.GetProperty("rowsDeleted").GetInt64() > 0);
        var subjectHash = receipt.GetProperty("subjectHash").GetString()!;
        Assert.Matches("^[0-9a-f]{64}$", subjectHash);

        await AssertNothingOfAsync(engine, person, "right after the erasure");
        // The audit remains, naming the person by the hash only; readable again by its id.
        var audit = await admin.GetFromJsonAsync<JsonElement>($"/api/erasures/{receipt.GetProperty("erasureId").GetString()}", Ct);
        Assert.Equal(subjectHash, audit.GetProperty("subjectHash").GetString());
        Assert.Equal("Engagement:Keys:3", audit.GetProperty("requestedBy").GetString());
        Assert.Contains(await engine.FindInTablesAsync([subjectHash], Ct), h => h.Contains(" engagement_erasures.subject_hash", StringComparison.Ordinal));
        // Counts drop the person; the control customer stays.
        Assert.Equal(1, await CountAsync(engine));
        Assert.Equal(1, (await client.Customers().GetAsync(new GetCustomerRequest { CustomerId = control }, cancellationToken: Ct)).PurchaseCount);

        await engine.RestartAsync();
        await AssertNothingOfAsync(engine, person, "after a restart");
        client = engine.Client;

        // Later events for the erased id, after the restart: the refusal (or the pseudonym) comes from the durable audit.
        var later = Events.Batch(
            Events.Purchase(person.Id, 40, Start.AddDays(30), eventId: $"{person.Id}-late-1"),
            Events.Profile(person.Id, Start.AddDays(30), ("name", person.Name), ("email", person.Email), ("region", "south")),
            Events.Purchase(control, 10, Start.AddDays(30)));
        var ack = await client.Ingest().SubmitAsync(later, cancellationToken: Ct);
        var missing = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.Customers().GetAsync(new GetCustomerRequest { CustomerId = person.Id }, cancellationToken: Ct));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        if (afterErasure == "Refuse")
        {
            Assert.Equal(1, ack.Accepted);
            Assert.Equal([0, 1], ack.Rejected.Select(r => r.Index));
            Assert.All(ack.Rejected, r =>
            {
                Assert.Equal("customer_id", r.Field);
                Assert.Contains("erased", r.Reason, StringComparison.Ordinal);
            });
        }
        else
        {
            Assert.Equal(3, ack.Accepted);
            Assert.Empty(ack.Rejected);
            // Stored under the pseudonym the keyed hash gives, without the personal attributes.
            var pseudonym = await client.Customers().GetAsync(new GetCustomerRequest { CustomerId = $"anonymous-{subjectHash[..24]}" }, cancellationToken: Ct);
            Assert.Equal(2, pseudonym.EventCount);
            Assert.Equal(40, pseudonym.TotalSpend);
            Assert.Equal("south", pseudonym.Profile["region"]);
            Assert.DoesNotContain("email", pseudonym.Profile.Keys);
            Assert.DoesNotContain("name", pseudonym.Profile.Keys);
        }
        await AssertNothingOfAsync(engine, person, $"after later events ({afterErasure})");
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Erasing_a_customer_erases_the_ids_merged_into_it_and_refuses_their_later_events(StoreKind kind)
    {
        var a = $"privacy-merged-a-{Guid.NewGuid():N}";
        var b = $"privacy-merged-b-{Guid.NewGuid():N}";
        await using var engine = await PrivacyEngine.StartAsync(kind, [new("Engagement:Privacy:AfterErasure", "Refuse")]);
        var first = await engine.Client.Ingest().SubmitAsync(Events.Batch(
            Events.Purchase(a, 30, Start, eventId: $"{a}-1"), Events.Purchase(b, 20, Start.AddDays(1), eventId: $"{b}-1")), cancellationToken: Ct);
        Assert.Equal(2, first.Accepted);
        using var admin = engine.Gateway.Http(TestKeys.Admin);
        var merge = await admin.PostAsJsonAsync($"/api/customers/{a}/merge", new { from = b, reason = "the same person" }, Ct);
        Assert.True(merge.IsSuccessStatusCode, await merge.Content.ReadAsStringAsync(Ct));
        Assert.Contains(await engine.FindInTablesAsync([b], Ct), h => h.Contains(" engagement_identities.", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/api/customers/{a}", Ct)).StatusCode);

        Assert.Empty(await engine.FindInTablesAsync([a, b], Ct));
        var later = await engine.Client.Ingest().SubmitAsync(Events.Batch(Events.Purchase(b, 5, Start.AddDays(3), eventId: $"{b}-2")), cancellationToken: Ct);
        Assert.Equal(0, later.Accepted);
        Assert.Equal("customer_id", Assert.Single(later.Rejected).Field);
        Assert.Empty(await engine.FindInTablesAsync([a, b], Ct));
    }

    private static async Task AssertNothingOfAsync(PrivacyEngine engine, Person person, string when)
    {
        var tables = await engine.FindInTablesAsync(person.Texts, Ct);
        Assert.True(tables.Count == 0, $"{when}: {string.Join(Environment.NewLine, tables)}");
        var files = engine.FindInFiles(person.Texts);
        Assert.True(files.Count == 0, $"{when}: {string.Join(Environment.NewLine, files)}");
    }

    private static async Task<long> CountAsync(PrivacyEngine engine)
    {
        using var integration = engine.Gateway.Http(TestKeys.Integration);
        return (await integration.GetFromJsonAsync<JsonElement>("/api/query/customers/count", Ct)).GetProperty("total").GetInt64();
    }

    /// <summary>A history that fills every place the engine keeps a person: profile and contacts, purchases, a complaint, a detractor's answer.</summary>
    private static async Task FeedAsync(EngineClient client, Person person, string control)
    {
        var ack = await client.Ingest().SubmitAsync(Events.Batch(
            Events.Profile(person.Id, Start, ("name", person.Name), ("email", person.Email), ("phone", person.Phone), ("region", "north")),
            Events.Purchase(person.Id, 120, Start.AddDays(1), eventId: $"{person.Id}-order-1"),
            Events.Purchase(person.Id, 80, Start.AddDays(9)),
            Events.Complaint(person.Id, ComplaintSeverity.High, Start.AddDays(10)),
            Events.Nps(person.Id, 2, Start.AddDays(11)),
            Events.Profile(control, Start, ("name", "Connie Control"), ("region", "north")),
            Events.Purchase(control, 50, Start.AddDays(2))), cancellationToken: Ct);
        Assert.Equal(7, ack.Accepted);
    }

    private static async Task<Engagement.Contracts.Alerts.Alert> AlertOfAsync(PrivacyEngine engine, string customerId)
    {
        var grains = engine.Gateway.Services.GetRequiredService<IGrainFactory>();
        foreach (var kind in Enum.GetValues<AlertKind>())
        {
            if (await grains.GetGrain<ICustomerAlertGrain>(AlertIds.GrainKey(customerId, kind)).Current() is { State: not AlertState.Resolved } open) return open;
        }
        throw new InvalidOperationException($"The feed raised no alert for {customerId}.");
    }

    private sealed record Person(string Id, string Name, string Email, string Phone)
    {
        /// <summary>What must not remain: the id, the name, the email and the phone as sent and as the contact index keys it.</summary>
        public string[] Plain => [Id, Name, Email, Phone, "+442079460958"];

        /// <summary>Each as written and as JSON writes it inside a string (the journal's payloads: '+' is \u002B there).</summary>
        public string[] Texts => [.. Plain.SelectMany(Forms).Distinct(StringComparer.Ordinal)];

        public static IEnumerable<string> Forms(string text) => [text, JsonSerializer.Serialize(text)[1..^1]];
    }
}

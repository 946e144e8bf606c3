using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;

namespace Engagement.Tests.Console;

/// <summary>
/// An agent opens a customer by id, email address or phone number, however the number was typed; the
/// contact index follows profile updates and survives a restart of the engine.
/// </summary>
public sealed class CustomerLookupTests(EmbeddedEngineFixture engine) : IClassFixture<EmbeddedEngineFixture>
{
    private static readonly DateTimeOffset Day = DateTimeOffset.UtcNow.AddDays(-2);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_customer_is_found_by_id_then_email_then_phone_however_they_are_written()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        var ada = $"ada-{run}";
        var phone = $"+1 (555) 010-{Digits(run, 0)}";
        var digits = $"+1555010{Digits(run, 0)}";
        await engine.Client.SubmitAcceptedAsync(Events.Purchase(ada, 40, Day),
            Events.Profile(ada, Day, ("email", $"  Ada.Lovelace.{run}@Example.COM "), ("phone", phone), ("region", "north")));
        // A customer whose id is what another customer's phone number looks like: the id wins.
        var lookalike = $"+1555{run}";
        var other = $"other-{run}";
        await engine.Client.SubmitAcceptedAsync(Events.Visit(lookalike, Day), Events.Profile(other, Day, ("phone_number", lookalike)));

        using var http = engine.Host.Http(TestKeys.Agent);
        await AssertFoundAsync(http, ada, ada, "id");
        await AssertFoundAsync(http, $"ada.lovelace.{run}@example.com", ada, "email");
        await AssertFoundAsync(http, $"ADA.LOVELACE.{run}@EXAMPLE.COM  ", ada, "email");
        await AssertFoundAsync(http, digits, ada, "phone");
        await AssertFoundAsync(http, phone, ada, "phone");
        await AssertFoundAsync(http, $"{digits[..5]} {digits[5..8]}.{digits[8..]}", ada, "phone");
        await AssertFoundAsync(http, lookalike, lookalike, "id");
        await AssertFoundAsync(http, $"{lookalike[..5]}-{lookalike[5..]}", other, "phone");

        await AssertNotFoundAsync(http, $"nobody-{run}");
        await AssertNotFoundAsync(http, $"nobody.{run}@example.com");
        await AssertNotFoundAsync(http, "+1 555 999 0000");
        await ConsoleAssertions.AssertProblemAsync(await http.GetAsync("/api/customers/lookup?q=%20%20", Ct), HttpStatusCode.BadRequest, "q");
        await ConsoleAssertions.AssertProblemAsync(await http.GetAsync("/api/customers/lookup", Ct), HttpStatusCode.BadRequest, "q");
        await ConsoleAssertions.AssertProblemAsync(await http.GetAsync($"/api/customers/lookup?q={new string('9', 257)}", Ct), HttpStatusCode.BadRequest, "q");
    }

    [Fact]
    public async Task A_changed_phone_or_email_moves_the_index_and_a_removed_one_leaves_it()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        var bob = $"bob-{run}";
        var (oldPhone, newPhone) = ($"+44 20 7946 {Digits(run, 0)}", $"+44 20 7946 {Digits(run, 4)}");
        await engine.Client.SubmitAcceptedAsync(Events.Profile(bob, Day, ("mobile", oldPhone), ("email", $"bob.{run}@example.com")));
        using var http = engine.Host.Http(TestKeys.Supervisor);
        await AssertFoundAsync(http, oldPhone, bob, "phone");

        await engine.Client.SubmitAcceptedAsync(Events.Profile(bob, Day.AddHours(1), ("mobile", newPhone), ("email", "")));
        await AssertFoundAsync(http, newPhone, bob, "phone");
        await AssertNotFoundAsync(http, oldPhone);
        await AssertNotFoundAsync(http, $"bob.{run}@example.com");

        // An older update arriving late does not bring the old number back.
        await engine.Client.SubmitAcceptedAsync(Events.Profile(bob, Day.AddMinutes(30), ("mobile", oldPhone)));
        await AssertFoundAsync(http, newPhone, bob, "phone");
        await AssertNotFoundAsync(http, oldPhone);

        // A newer one does, and the number it replaces is released again.
        await engine.Client.SubmitAcceptedAsync(Events.Profile(bob, Day.AddHours(2), ("mobile", oldPhone)));
        await AssertFoundAsync(http, oldPhone, bob, "phone");
        await AssertNotFoundAsync(http, newPhone);
    }

    [Fact]
    public async Task The_index_survives_a_restart_and_still_moves_afterwards()
    {
        var data = Directory.CreateTempSubdirectory("engagement-lookup-").FullName;
        try
        {
            const string carol = "carol";
            await using (var first = await EngineHost.StartEmbeddedAsync(data))
            {
                await first.Client.SubmitAcceptedAsync(Events.Profile(carol, Day, ("phone", "+1 555 010 3000"), ("email", "carol@example.com")));
                using var http = first.Http(TestKeys.Agent);
                await AssertFoundAsync(http, "+15550103000", carol, "phone");
            }

            await using var second = await EngineHost.StartEmbeddedAsync(data);
            using (var http = second.Http(TestKeys.Agent))
            {
                await AssertFoundAsync(http, "+1-555-010-3000", carol, "phone");
                await AssertFoundAsync(http, "Carol@Example.com", carol, "email");
                await second.Client.SubmitAcceptedAsync(Events.Profile(carol, Day.AddHours(1), ("phone", "+1 555 010 4000")));
                await AssertFoundAsync(http, "+15550104000", carol, "phone");
                await AssertNotFoundAsync(http, "+15550103000");
            }
        }
        finally
        {
            EngineHost.TryDelete(data);
        }
    }

    private static string Digits(string run, int from) => new([.. run[from..(from + 4)].Select(c => (char)('0' + c % 10))]);

    private static async Task AssertFoundAsync(HttpClient http, string query, string customerId, string matchedBy)
    {
        var response = await http.GetAsync($"/api/customers/lookup?q={Uri.EscapeDataString(query)}", Ct);
        Assert.True(response.IsSuccessStatusCode, $"'{query}': {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        var match = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal((customerId, matchedBy), (match.GetProperty("customerId").GetString(), match.GetProperty("matchedBy").GetString()));
    }

    private static async Task AssertNotFoundAsync(HttpClient http, string query) =>
        await ConsoleAssertions.AssertProblemAsync(
            await http.GetAsync($"/api/customers/lookup?q={Uri.EscapeDataString(query)}", Ct), HttpStatusCode.NotFound, "q");
}

using System.Text.Json;
using Engagement.Contracts.Alerts;
using Engagement.Contracts.Customers;
using Engagement.Gateway.Push;
using Engagement.Tests.Mapping;
using Engagement.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;

namespace Engagement.Tests.WebConsole;

/// <summary>
/// The web console reads the card and the alerts as the hubs' JSON: every field its scripts read is in that JSON, and
/// every field of that JSON is shown or named below as not shown. The JSON is a fully populated card and alert written
/// with the hubs' own serializer options; the reads are recorded, not guessed from the source: the console's own modules
/// (agent console and supervisor board) run in Chromium on that JSON, handed to the handlers the hubs call, with every
/// object wrapped in a proxy that notes each property read.
/// </summary>
/// <remarks>
/// A read is recorded when it runs: after the populated card and alerts (one in each state) the console is also sent a
/// minimal card and alert (empty texts and lists, no dates), so the other side of each <c>a || b</c> and <c>a ?? b</c>
/// runs too.
/// </remarks>
public sealed class CardAndAlertConsoleTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Origin = "http://console.test";
    private const string Me = "ada";

    /// <summary>Card fields the console does not show, and why.</summary>
    private static readonly HashSet<string> CardNotShown =
    [
        "eventCount",            // for integrations; the agent sees the purchases and the timeline instead
        "churnReasons[].weight", // the rule's weight; the agent sees what each reason adds (its contribution)
        "nextBestAction.kind",   // the action's category, for systems; the agent sees the action and its reason
        "populationVersion",     // which population fit the card was computed with: for reconciling, not for an agent
        "evaluatedAt",           // the computed fields' "as of"; the status line shows when the card last changed
        "riskRisesAt",           // when silence alone raises the risk band: on the gRPC card, not on the console yet
    ];

    /// <summary>Alert fields the console does not show, and why.</summary>
    private static readonly HashSet<string> AlertNotShown =
    [
        "context.lastPurchaseAt",   // the board shows the customer's value (money at risk, CLV); the card has the purchases
        "context.profile",          // the customer's attributes: the card shows them when the supervisor opens the customer
        "context.probabilityAlive", // the case shows money at risk, lifetime value and churn risk; the card has the rest
        "context.totalSpend",
        "acknowledgedAt",           // the board shows who moved the alert and when it last changed;
        "assignedAt",               //   the time of each step is for the audit trail (the gRPC alerts)
        "assignedBy",
        "resolvedAt",
    ];

    /// <summary>
    /// Runs the console's agent view and supervisor board on the cards (of one customer, versions rising) and the
    /// alerts (JSON text) and returns the paths each reads: <c>satisfaction.csatMean</c>, <c>recentEvents[].eventId</c>
    /// (any element), <c>profile.city</c>.
    /// </summary>
    private const string RecordReads = """
        async ({ cards, alerts, me }) => {
          const load = (file) => import(new URL(`/js/${file}`, location.href).href);
          const [{ AgentView }, { SupervisorBoard }, { session }] = await Promise.all([load("agent.js"), load("supervisor.js"), load("session.js")]);
          const reads = { card: new Set(), alert: new Set() };
          // The object as the script sees it, noting the path of each property read. The members of a list itself
          // (length, map, join) are not fields; its elements are read as "path[]".
          const watched = (value, path, read) => {
            if (value === null || typeof value !== "object") return value;
            const list = Array.isArray(value);
            return new Proxy(value, {
              get(target, key, receiver) {
                const result = Reflect.get(target, key, receiver);
                if (typeof key === "symbol" || (list && !/^\d+$/.test(key))) return result;
                const at = list ? `${path}[]` : path ? `${path}.${key}` : key;
                read.add(at);
                return watched(result, at, read);
              },
            });
          };
          session.me = { name: me };
          cards = cards.map((card) => JSON.parse(card));

          // The agent console with the customer open: its cards, then the alerts about it (also assigned to me).
          const agent = new AgentView({ onState: () => {} });
          agent.card.open(cards[0].customerId);
          for (const card of cards) {
            if (!agent.hub.handlers.card(watched(card, "", reads.card))) throw new Error(`card version ${card.version} was not drawn`);
          }
          for (const alert of alerts) agent.hub.handlers.alert(watched(JSON.parse(alert), "", reads.alert));

          // The supervisor board: a page of one case (the customer's, as GET /api/cases answers it, served by the test),
          // then the hub's changes of its alerts, each merged into the case where it stands; then the case's detail.
          const board = new SupervisorBoard({ onState: () => {}, onOpenCustomer: () => {} });
          await board.start();
          for (const alert of alerts) board.hub.handlers.alert(watched(JSON.parse(alert), "", reads.alert));
          const rows = [...document.querySelectorAll("#case-rows tr")];
          if (rows.length !== 1) throw new Error(`the board lists ${rows.length} cases, not the one case of the customer`);
          rows[0].click();
          const shown = document.querySelectorAll("#alert-detail .case-alert").length;
          if (shown !== alerts.length) throw new Error(`the case shows ${shown} of ${alerts.length} alerts`);
          return { card: [...reads.card], alert: [...reads.alert] };
        }
        """;

    [Fact]
    public async Task Every_card_field_the_console_reads_is_sent_and_every_field_sent_is_shown_or_listed()
    {
        var sample = MakeSample();

        var reads = await RecordReadsAsync(sample);

        Drift.None(Differences(sample.CardPaths, reads.Card, CardNotShown));
    }

    [Fact]
    public async Task Every_alert_field_the_console_reads_is_sent_and_every_field_sent_is_shown_or_listed()
    {
        var sample = MakeSample();

        var reads = await RecordReadsAsync(sample);

        Drift.None(Differences(sample.AlertPaths, reads.Alert, AlertNotShown));
    }

    /// <summary>The JSON the console is sent, and the paths of the populated card and alert.</summary>
    private sealed record Sample(
        string CasePage,
        IReadOnlyList<string> Cards,
        IReadOnlyDictionary<string, JsonNodeKind> CardPaths,
        IReadOnlyList<string> Alerts,
        IReadOnlyDictionary<string, JsonNodeKind> AlertPaths);

    /// <summary>
    /// A populated card and then a minimal one of the same customer; a populated alert about that customer in each state
    /// (each state shows other fields), all assigned to me, and a minimal one.
    /// </summary>
    private static Sample MakeSample()
    {
        var options = HubJsonOptions();
        var card = Populated.Of<CustomerCard>();
        var cardPaths = JsonShape.Of(card, options, out var cardJson);
        var minimalCard = new CustomerCard { CustomerId = card.CustomerId, Version = card.Version + 1 };
        var alert = Populated.Of<Alert>() with { CustomerId = card.CustomerId, AssignedTo = Me };
        var alertPaths = JsonShape.Of(alert, options, out _);
        var states = Enum.GetValues<AlertState>();
        // After the others, so that the board (which takes the changes after its page) takes it too.
        var minimalAlert = new Alert
        {
            AlertId = $"{alert.AlertId}-minimal", Sequence = alert.Sequence + states.Length, CustomerId = card.CustomerId, Team = "", Title = "", Context = new(),
        };
        var alerts = states
            .Select((state, i) => alert with { AlertId = $"{alert.AlertId}-{state}", Sequence = alert.Sequence + i, State = state })
            .Append(minimalAlert)
            .Select(a => JsonSerializer.Serialize(a, options))
            .ToList();
        return new(CasePage(card.CustomerId), [cardJson, JsonSerializer.Serialize(minimalCard, options)], cardPaths, alerts, alertPaths);
    }

    /// <summary>
    /// The board's first page: the customer's case, as the plan's <c>GET /api/cases</c> shape has it, before any alert
    /// of it (the alerts arrive as the hub's changes, whose fields are what this test is about).
    /// </summary>
    private static string CasePage(string customerId) => JsonSerializer.Serialize(new
    {
        cases = new[]
        {
            new
            {
                customerId, team = "north", name = (string?)null, severity = "Warning", expectedLoss = 120.5, currency = "EUR", clv = 800.0,
                churnRisk = 0.15, stage = "AtRisk", tier = "B", openedAt = "2026-01-05T09:00:00Z", dueBy = (string?)null, escalated = false,
                assignedTo = (string?)null, lastSequence = 0, alerts = Array.Empty<object>(),
            },
        },
        nextPageToken = (string?)null,
        totalCases = 1,
        countsBySeverity = new Dictionary<string, int> { ["Warning"] = 1 },
        asOfSequence = 0,
    }, JsonSerializerOptions.Web);

    /// <summary>The options SignalR's JSON protocol writes the hubs' payloads with, registered as the gateway registers them.</summary>
    private static JsonSerializerOptions HubJsonOptions()
    {
        var services = new ServiceCollection();
        services.AddSignalR().AddEngagementProtocols();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<JsonHubProtocolOptions>>().Value.PayloadSerializerOptions;
    }

    private async Task<(IReadOnlyList<string> Card, IReadOnlyList<string> Alert)> RecordReadsAsync(Sample sample)
    {
        // The console's files from the build output, at an origin of their own: no engine is needed to run its scripts.
        var page = await browser.NewPageAsync(new Uri(Origin));
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        var root = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        await page.RouteAsync($"{Origin}/**", route =>
        {
            var path = new Uri(route.Request.Url).AbsolutePath;
            if (path == "/api/cases") return route.FulfillAsync(new() { ContentType = "application/json", Body = sample.CasePage });
            var file = Path.Combine(root, new Uri(route.Request.Url).AbsolutePath.TrimStart('/'));
            return File.Exists(file) ? route.FulfillAsync(new() { Path = file }) : route.FulfillAsync(new() { Status = 404 });
        });
        try
        {
            await page.GotoAsync("/index.html");
            var reads = await page.EvaluateAsync<JsonElement>(RecordReads, new { cards = sample.Cards, alerts = sample.Alerts, me = Me });
            Assert.Empty(errors);
            return (Strings(reads.GetProperty("card")), Strings(reads.GetProperty("alert")));
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    /// <summary>
    /// What is read but not sent, what is sent but neither read nor listed as not shown, and what is listed as not shown
    /// but read or not sent at all.
    /// </summary>
    private static List<string> Differences(IReadOnlyDictionary<string, JsonNodeKind> sent, IReadOnlyList<string> reads, HashSet<string> notShown)
    {
        var dictionaries = sent.Where(p => p.Value == JsonNodeKind.Dictionary).Select(p => p.Key).ToList();
        // A read of a dictionary's key (profile.city) is a read of the dictionary: its keys are data.
        var read = reads.Select(r => dictionaries.FirstOrDefault(d => r.StartsWith($"{d}.", StringComparison.Ordinal)) ?? r).ToHashSet();
        var shown = sent.Where(p => p.Value != JsonNodeKind.Container).Select(p => p.Key).ToList();
        return
        [
            .. read.Where(r => !sent.ContainsKey(r)).Order().Select(r => $"the console reads {r}, which the gateway does not send"),
            .. shown.Where(s => !read.Contains(s) && !notShown.Contains(s)).Select(s => $"{s} is sent, but the console neither shows it nor lists it as not shown"),
            .. notShown.Where(n => !shown.Contains(n)).Select(n => $"{n} is listed as not shown, but is not sent"),
            .. notShown.Where(read.Contains).Select(n => $"{n} is listed as not shown, but the console reads it"),
        ];
    }

    private static List<string> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}

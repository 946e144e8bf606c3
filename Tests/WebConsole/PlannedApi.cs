using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Playwright;

namespace Engagement.Tests.WebConsole;

/// <summary>
/// The HTTP endpoints of issue 14 that the engine serves once the cases wave is merged (<c>/api/cases</c>,
/// <c>/api/worklist</c>, <c>/api/agents</c>, <c>/api/alerts/{id}/…</c>, <c>/api/customers/search</c>), answered in the
/// browser with the shapes of <c>docs/plans/alerts-cases.md</c> ("The HTTP shapes B serves and C reads"), so the console
/// can be tested against them before the engine has them. Every other request (sign-in, hubs, cards) reaches the real
/// engine. Each answered request is recorded: what the console asked is part of what the tests check.
/// </summary>
internal sealed class PlannedApi
{
    private readonly IPage _page;

    private PlannedApi(IPage page) => _page = page;

    /// <summary>The requests answered here, in order: method, path and query, body.</summary>
    public ConcurrentQueue<(string Method, Uri Url, string? Body)> Requests { get; } = new();

    public static PlannedApi On(IPage page) => new(page);

    /// <summary>Answers a route (a glob such as <c>**/api/cases**</c>) with the JSON the function gives for the request.</summary>
    public async Task<PlannedApi> ServeAsync(string glob, Func<Microsoft.Playwright.IRequest, object> answer)
    {
        await _page.RouteAsync(glob, async route =>
        {
            var request = route.Request;
            Requests.Enqueue((request.Method, new Uri(request.Url), request.PostData));
            await route.FulfillAsync(new() { Status = 200, ContentType = "application/json", Body = JsonSerializer.Serialize(answer(request), JsonSerializerOptions.Web) });
        });
        return this;
    }

    /// <summary>The answered requests whose path is <paramref name="path"/>.</summary>
    public List<(string Method, Uri Url, string? Body)> To(string path) => [.. Requests.Where(r => r.Url.AbsolutePath == path)];

    /// <summary>The value of one query parameter of a request, or null.</summary>
    public static string? Query(Uri url, string name) => System.Web.HttpUtility.ParseQueryString(url.Query)[name];
}

/// <summary><c>GET /api/cases</c>'s answer.</summary>
internal sealed record CasePageJson(IReadOnlyList<CaseJson> Cases, string? NextPageToken, int TotalCases, IReadOnlyDictionary<string, int> CountsBySeverity, long AsOfSequence);

/// <summary>A customer's open alerts grouped: a row of the board, an entry of the worklist.</summary>
internal sealed record CaseJson(
    string CustomerId,
    string Team,
    string? Name,
    string Severity,
    double ExpectedLoss,
    string Currency,
    double Clv,
    double ChurnRisk,
    string Stage,
    string Tier,
    DateTimeOffset OpenedAt,
    DateTimeOffset? DueBy,
    bool Escalated,
    string? AssignedTo,
    long LastSequence,
    IReadOnlyList<CaseAlertJson> Alerts);

internal sealed record CaseAlertJson(
    string AlertId,
    string Kind,
    string Severity,
    string State,
    string Title,
    IReadOnlyList<string> Reasons,
    string? AssignedTo,
    DateTimeOffset RaisedAt,
    DateTimeOffset? DueBy,
    bool Escalated,
    string? Outcome);

/// <summary><c>GET /api/worklist</c>'s answer.</summary>
internal sealed record WorklistJson(IReadOnlyList<CaseJson> Assigned, IReadOnlyList<AtRiskJson> AtRisk);

internal sealed record AtRiskJson(string CustomerId, string? Name, string Stage, string Tier, double Clv, double ChurnRisk, double ExpectedLoss, string Currency, DateTimeOffset? LastPurchaseAt);

/// <summary><c>GET /api/agents</c>'s entries.</summary>
internal sealed record AgentJson(string Name, IReadOnlyList<string> Teams);

/// <summary><c>GET /api/customers/search</c>'s entries.</summary>
internal sealed record CustomerSearchJson(string CustomerId, string? Name, string Stage, string Tier);

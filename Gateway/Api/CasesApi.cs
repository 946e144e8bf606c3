using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using Engagement.Contracts.Alerts;
using Engagement.Contracts.Customers;
using Engagement.Gateway.Alerts;
using Engagement.Gateway.Security;
using Engagement.Grains.Hosting;

namespace Engagement.Gateway.Api;

/// <summary>
/// The board and the agent loop over HTTP (docs/plans/alerts-cases.md fixes the shapes): <c>GET /api/cases</c> (a page
/// of cases of the caller's teams, with true counts), <c>POST /api/alerts/{alertId}/acknowledge|resolve|outcome|assign</c>,
/// <c>GET /api/worklist</c> and <c>GET /api/agents</c>. An agent acts on the alerts assigned to it, a supervisor on its
/// teams'. Enums travel as names, as on the hubs.
/// </summary>
public static class CasesApi
{
    /// <summary>At most this many cases in each part of a worklist.</summary>
    public const int WorklistSize = 50;

    /// <summary>The header that makes a retried outcome one event with one answer: the same key for the same alert is the same request.</summary>
    public const string IdempotencyHeader = "Idempotency-Key";

    public const int MaxIdempotencyKeyLength = 128;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public static void MapCasesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/cases", Cases).RequireAuthorization(Policies.SuperviseAlerts);
        app.MapGet("/api/agents", Agents).RequireAuthorization(Policies.SuperviseAlerts);
        app.MapGet("/api/worklist", Worklist).RequireAuthorization(Policies.ReadCustomers);
        var alerts = app.MapGroup("/api/alerts/{alertId}").RequireAuthorization(Policies.ReadCustomers);
        alerts.MapPost("/acknowledge", Acknowledge);
        alerts.MapPost("/resolve", Resolve);
        alerts.MapPost("/outcome", Outcome);
        alerts.MapPost("/assign", Assign).RequireAuthorization(Policies.SuperviseAlerts);
    }

    private static async Task<IResult> Cases(HttpRequest request, ClaimsPrincipal user, IGrainFactory grains) => await RunAsync(async () =>
    {
        var q = request.Query;
        var query = CaseQueries.Parse(new CaseQueryInput([.. q["kind"].OfType<string>()], [.. q["severity"].OfType<string>()], q["state"], q["assignedTo"],
            q["customer"], q["sort"], q["pageSize"], q["pageToken"]), TeamScope.Of(user), field => field);
        return Results.Json(await grains.GetGrain<IAlertQueryGrain>(0).Cases(query), Json);
    });

    /// <summary>The agents a supervisor may assign to: the names of the <c>agent</c> keys that serve one of its teams (or every team).</summary>
    private static IResult Agents(ClaimsPrincipal user, KeyRing keys)
    {
        var scope = TeamScope.Of(user);
        var agents = keys.Grants.Where(g => g.Role == Roles.Agent)
            .GroupBy(g => g.Name, StringComparer.Ordinal)
            .Select(g => new AgentEntry(g.Key, [.. g.SelectMany(a => a.Teams).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]))
            .Where(a => scope.Teams is null || a.Teams.Contains("*") || a.Teams.Any(scope.Sees))
            .OrderBy(a => a.Name, StringComparer.Ordinal);
        return Results.Json(agents.ToList(), Json);
    }

    /// <summary>The caller's assigned cases, worst first; then the at-risk customers of its teams by expected loss.</summary>
    private static async Task<IResult> Worklist(ClaimsPrincipal user, IGrainFactory grains)
    {
        var actor = AlertActor.Of(user);
        var assigned = await grains.GetGrain<IAlertQueryGrain>(0).Cases(new CaseQuery { AssignedTo = actor.Name, PageSize = WorklistSize });
        var atRisk = await grains.GetGrain<ICustomerDirectoryGrain>(0).AtRisk(actor.Teams.Teams, WorklistSize);
        return Results.Json(new Worklist(assigned.Cases, atRisk), Json);
    }

    private static Task<IResult> Acknowledge(string alertId, ClaimsPrincipal user, AlertCommands commands) =>
        RunAsync(async () => Results.Json(await commands.AcknowledgeAsync(alertId, AlertActor.Of(user)), Json));

    private static Task<IResult> Resolve(string alertId, HttpRequest request, ClaimsPrincipal user, AlertCommands commands) => RunAsync(async () =>
    {
        var body = await BodyAsync<ResolveRequest>(request) ?? new ResolveRequest(null);
        return Results.Json(await commands.ResolveAsync(alertId, body.Note ?? "", AlertActor.Of(user)), Json);
    });

    private static Task<IResult> Assign(string alertId, HttpRequest request, ClaimsPrincipal user, AlertCommands commands) => RunAsync(async () =>
    {
        var body = await BodyAsync<AssignRequest>(request);
        if (string.IsNullOrWhiteSpace(body?.AgentId)) throw new AlertRefusedException(AlertRefusal.InvalidArgument, "agentId: required");
        if (body.AgentId.Length > CaseQueries.MaxTextLength) throw new AlertRefusedException(AlertRefusal.InvalidArgument, $"agentId: longer than {CaseQueries.MaxTextLength} characters");
        var actor = AlertActor.Of(user);
        return Results.Json(await commands.AssignAsync(alertId, body.AgentId.Trim(), actor.Name, actor.Teams), Json);
    });

    private static Task<IResult> Outcome(string alertId, HttpRequest request, ClaimsPrincipal user, AlertCommands commands,
        [FromKeyedServices(EngagementClock.Key)] TimeProvider businessClock) => RunAsync(async () =>
    {
        var body = await BodyAsync<OutcomeRequest>(request);
        if (string.IsNullOrWhiteSpace(body?.Outcome)) throw Invalid("outcome", $"required: one of {string.Join(", ", Enum.GetNames<AlertOutcome>())}");
        var outcome = CaseQueries.Name<AlertOutcome>(body.Outcome)
            ?? throw Invalid("outcome", $"'{body.Outcome}' is not one of {string.Join(", ", Enum.GetNames<AlertOutcome>())}");
        DateTimeOffset? callbackAt = null;
        if (!string.IsNullOrWhiteSpace(body.CallbackAt))
        {
            if (outcome != AlertOutcome.Callback) throw Invalid("callbackAt", "only with the outcome Callback");
            callbackAt = DateTimeOffset.TryParse(body.CallbackAt, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
                ? at
                : throw Invalid("callbackAt", $"'{body.CallbackAt}' is not a date and time (ISO 8601, e.g. 2026-12-04T10:00:00Z)");
        }
        else if (outcome == AlertOutcome.Callback)
        {
            throw Invalid("callbackAt", "required with the outcome Callback: when to call back");
        }
        var key = request.Headers[IdempotencyHeader].ToString();
        if (key.Length > MaxIdempotencyKeyLength) throw Invalid(IdempotencyHeader, $"longer than {MaxIdempotencyKeyLength} characters");
        // The same key for the same alert is the same event and the same answer, however often it is sent.
        return Results.Json(await commands.RecordOutcomeAsync(alertId, outcome, callbackAt, body.Note ?? "", key,
            businessClock.GetUtcNow(), AlertActor.Of(user)), Json);
    });

    private static AlertRefusedException Invalid(string field, string reason) => new(AlertRefusal.InvalidArgument, $"{field}: {reason}");

    /// <summary>The request's JSON body, or null without one; a body that is not the JSON expected is bad input.</summary>
    private static async Task<T?> BodyAsync<T>(HttpRequest request) where T : class
    {
        if (request.ContentLength == 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count == 0)) return null;
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, Json, request.HttpContext.RequestAborted);
        }
        catch (JsonException ex)
        {
            throw Invalid("body", $"not the JSON expected: {ex.Message}");
        }
    }

    /// <summary>Runs a command, answering a refusal as problem details: 400 naming the field, 403, 404 or 409.</summary>
    private static async Task<IResult> RunAsync(Func<Task<IResult>> command)
    {
        try
        {
            return await command();
        }
        catch (AlertRefusedException ex) when (ex.Refusal == AlertRefusal.InvalidArgument)
        {
            var colon = ex.Message.IndexOf(": ", StringComparison.Ordinal);
            return colon > 0 ? ApiProblems.Invalid(ex.Message[..colon], ex.Message[(colon + 2)..]) : ApiProblems.Invalid("request", ex.Message);
        }
        catch (AlertRefusedException ex)
        {
            var (status, title) = ex.Refusal switch
            {
                AlertRefusal.NotFound => (StatusCodes.Status404NotFound, "No such alert"),
                AlertRefusal.PermissionDenied => (StatusCodes.Status403Forbidden, "Not yours to act on"),
                _ => (StatusCodes.Status409Conflict, "Not possible now"),
            };
            return TypedResults.Problem(statusCode: status, title: title, detail: ex.Message);
        }
    }

    private sealed record ResolveRequest(string? Note);

    private sealed record AssignRequest(string? AgentId);

    private sealed record OutcomeRequest(string? Outcome, string? CallbackAt, string? Note);
}

/// <summary>An agent a supervisor can assign to, and the teams its key serves ("*" for every team).</summary>
public sealed record AgentEntry(string Name, IReadOnlyList<string> Teams);

/// <summary>An agent's worklist: its assigned cases, then the at-risk customers of its teams by expected loss.</summary>
public sealed record Worklist(IReadOnlyList<CustomerCase> Assigned, IReadOnlyList<AtRiskCustomer> AtRisk);

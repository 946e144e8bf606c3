using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Engagement.Contracts.Alerts;

/// <summary>Which unresolved alerts a case query takes: every one, or those in one state.</summary>
public enum CaseState
{
    Unresolved,
    Open,
    Acknowledged,
    Assigned,
}

/// <summary>How cases are ordered; ties fall to the customer id, so every order is total (keyset paging needs it).</summary>
public enum CaseSort
{
    /// <summary>Money at risk first: the highest expected loss, then the highest severity, then the oldest.</summary>
    ExpectedLoss,

    /// <summary>The highest severity first, then the highest expected loss, then the oldest.</summary>
    Severity,

    /// <summary>The case with the latest raise first.</summary>
    Newest,

    /// <summary>The case open longest first (its oldest raise).</summary>
    Oldest,
}

/// <summary>
/// A page of cases (a customer's unresolved alerts grouped): the filters, the order, and where the page starts.
/// Filters are conjunctive; an empty list is no filter. <see cref="Teams"/> is the caller's scope (null: every team).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CaseQuery
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 100;

    [Id(0)] public IReadOnlyList<string>? Teams { get; init; }

    [Id(1)] public IReadOnlyList<AlertKind> Kinds { get; init; } = [];

    [Id(2)] public IReadOnlyList<AlertSeverity> Severities { get; init; } = [];

    [Id(3)] public CaseState State { get; init; }

    [Id(4)] public string? AssignedTo { get; init; }

    /// <summary>Only customers whose id starts with this text.</summary>
    [Id(5)] public string? CustomerPrefix { get; init; }

    [Id(6)] public CaseSort Sort { get; init; }

    [Id(7)] public int PageSize { get; init; } = DefaultPageSize;

    /// <summary>Where the page starts: a previous page's <see cref="CasePage.NextPageToken"/> (null: the first page).</summary>
    [Id(8)] public string? PageToken { get; init; }
}

/// <summary>
/// One page of cases, with the true counts of every case the query matches (not of the page) and the last alert
/// sequence the page reflects: changes after <see cref="AsOfSequence"/> are news to the reader.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CasePage
{
    [Id(0)] public IReadOnlyList<CustomerCase> Cases { get; init; } = [];

    /// <summary>The token of the next page; null on the last.</summary>
    [Id(1)] public string? NextPageToken { get; init; }

    [Id(2)] public long TotalCases { get; init; }

    /// <summary>How many matching cases have each highest severity (severities with none are left out).</summary>
    [Id(3)] public IReadOnlyDictionary<AlertSeverity, long> CountsBySeverity { get; init; } = new Dictionary<AlertSeverity, long>();

    [Id(4)] public long AsOfSequence { get; init; }
}

/// <summary>
/// A customer's unresolved alerts as one piece of work: the worst severity, the highest money at risk, the oldest
/// raise (ageing), the earliest due time, and the customer as the latest of its alerts saw it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CustomerCase
{
    [Id(0)] public required string CustomerId { get; init; }

    [Id(1)] public required string Team { get; init; }

    /// <summary>The customer's name from the profile (attribute <c>name</c>), when known.</summary>
    [Id(2)] public string? Name { get; init; }

    [Id(3)] public AlertSeverity Severity { get; init; }

    [Id(4)] public double ExpectedLoss { get; init; }

    [Id(5)] public string Currency { get; init; } = "USD";

    [Id(6)] public double Clv { get; init; }

    [Id(7)] public double ChurnRisk { get; init; }

    [Id(8)] public string Stage { get; init; } = "";

    [Id(9)] public string Tier { get; init; } = "";

    [Id(10)] public DateTimeOffset OpenedAt { get; init; }

    [Id(11)] public DateTimeOffset? DueBy { get; init; }

    [Id(12)] public bool Escalated { get; init; }

    /// <summary>The agent of the assigned alerts when they share one, else the first assigned alert's; null when none is.</summary>
    [Id(13)] public string? AssignedTo { get; init; }

    [Id(14)] public long LastSequence { get; init; }

    /// <summary>The case's alerts, worst first.</summary>
    [Id(15)] public IReadOnlyList<CaseAlert> Alerts { get; init; } = [];

    /// <summary>
    /// The case of one customer's alerts (not empty, all of that customer). The customer's figures come from the
    /// alert changed last; the money, severity and ageing from all of them.
    /// </summary>
    public static CustomerCase Of(IReadOnlyList<Alert> alerts)
    {
        if (alerts.Count == 0) throw new ArgumentException("A case has at least one alert.", nameof(alerts));
        var ordered = alerts.OrderByDescending(a => a.Severity).ThenByDescending(a => a.ExpectedLoss).ThenBy(a => a.RaisedAt)
            .ThenBy(a => a.AlertId, StringComparer.Ordinal).ToList();
        var latest = alerts.MaxBy(a => a.Sequence)!;
        var costliest = alerts.MaxBy(a => a.ExpectedLoss)!;
        var assignees = ordered.Where(a => a.State == AlertState.Assigned && a.AssignedTo is not null).Select(a => a.AssignedTo!).ToList();
        return new CustomerCase
        {
            CustomerId = latest.CustomerId,
            Team = latest.Team,
            Name = latest.Context.Profile.TryGetValue("name", out var name) && name.Length > 0 ? name : null,
            Severity = ordered[0].Severity,
            ExpectedLoss = costliest.ExpectedLoss,
            Currency = costliest.Currency,
            Clv = latest.Context.Clv,
            ChurnRisk = latest.Context.ChurnRisk,
            Stage = latest.Context.Stage,
            Tier = latest.Context.Tier,
            OpenedAt = alerts.Min(a => a.RaisedAt),
            DueBy = alerts.Where(a => a.DueBy is not null).Select(a => a.DueBy).Min(),
            Escalated = alerts.Any(a => a.Escalated),
            AssignedTo = assignees.Count == 0 ? null : assignees[0],
            LastSequence = latest.Sequence,
            Alerts = [.. ordered.Select(CaseAlert.Of)],
        };
    }
}

/// <summary>One alert of a case, as the board lists it.</summary>
[GenerateSerializer, Immutable]
public sealed record CaseAlert
{
    [Id(0)] public required string AlertId { get; init; }

    [Id(1)] public AlertKind Kind { get; init; }

    [Id(2)] public AlertSeverity Severity { get; init; }

    [Id(3)] public AlertState State { get; init; }

    [Id(4)] public string Title { get; init; } = "";

    [Id(5)] public IReadOnlyList<string> Reasons { get; init; } = [];

    [Id(6)] public string? AssignedTo { get; init; }

    [Id(7)] public DateTimeOffset RaisedAt { get; init; }

    [Id(8)] public DateTimeOffset? DueBy { get; init; }

    [Id(9)] public bool Escalated { get; init; }

    [Id(10)] public AlertOutcome? Outcome { get; init; }

    public static CaseAlert Of(Alert alert) => new()
    {
        AlertId = alert.AlertId,
        Kind = alert.Kind,
        Severity = alert.Severity,
        State = alert.State,
        Title = alert.Title,
        Reasons = alert.Reasons,
        AssignedTo = alert.AssignedTo,
        RaisedAt = alert.RaisedAt,
        DueBy = alert.DueBy,
        Escalated = alert.Escalated,
        Outcome = alert.Outcome,
    };
}

/// <summary>
/// Where a page of cases starts: the order it belongs to, the last case's sort values and its customer id (keyset
/// paging: a page starts after a case, not at an offset, so cases arriving meanwhile shift nothing already read).
/// Opaque to clients: URL-safe base64 of JSON.
/// </summary>
public sealed record CasePageToken(CaseSort Sort, IReadOnlyList<double> Keys, string CustomerId)
{
    /// <summary>How many sort values a case has in an order (before the customer id that breaks ties).</summary>
    public static int KeyCountOf(CaseSort sort) => sort is CaseSort.ExpectedLoss or CaseSort.Severity ? 3 : 1;

    public string Encode() => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new Wire(Sort, [.. Keys], CustomerId)));

    /// <summary>The token a client sent back, or null when it is not one (or not of <paramref name="sort"/>).</summary>
    public static CasePageToken? Decode(string token, CaseSort sort)
    {
        try
        {
            var wire = JsonSerializer.Deserialize<Wire>(Base64Url.DecodeFromChars(token));
            return wire is { CustomerId: { Length: > 0 } customer, Keys: { } keys } && wire.Sort == sort && keys.Length == KeyCountOf(sort)
                && keys.All(double.IsFinite)
                ? new CasePageToken(sort, keys, customer)
                : null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or ArgumentException or DecoderFallbackException)
        {
            return null;
        }
    }

    private sealed record Wire(CaseSort Sort, double[]? Keys, string? CustomerId);
}

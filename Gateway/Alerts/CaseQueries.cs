using System.Globalization;
using Engagement.Contracts.Alerts;

namespace Engagement.Gateway.Alerts;

/// <summary>
/// A case query as a client writes it (HTTP parameters or gRPC fields, as text), before it is checked. Empty lists
/// and null texts are "no filter" / "the default".
/// </summary>
public sealed record CaseQueryInput(
    IReadOnlyList<string> Kinds,
    IReadOnlyList<string> Severities,
    string? State,
    string? AssignedTo,
    string? Customer,
    string? Sort,
    string? PageSize,
    string? PageToken);

/// <summary>
/// Checks a client's case query and makes it the grain's, scoped to the caller's teams: one check for HTTP and gRPC,
/// each naming its fields its own way (<c>pageSize</c>, <c>page_size</c>). Bad input is refused with the field and why.
/// </summary>
public static class CaseQueries
{
    public const int MaxTextLength = 256;
    public const int MaxValues = 16;

    public static CaseQuery Parse(CaseQueryInput input, TeamScope scope, Func<string, string> fieldName)
    {
        AlertRefusedException Invalid(string field, string reason) => new(AlertRefusal.InvalidArgument, $"{fieldName(field)}: {reason}");

        List<T> Names<T>(IReadOnlyList<string> values, string field) where T : struct, Enum
        {
            if (values.Count > MaxValues) throw Invalid(field, $"more than {MaxValues} values");
            return [.. values.Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => Name<T>(v) ?? throw Invalid(field, Expected<T>(v))).Distinct()];
        }

        string? Text(string? value, string field)
        {
            if (string.IsNullOrWhiteSpace(value)) return null;
            return value.Length > MaxTextLength ? throw Invalid(field, $"longer than {MaxTextLength} characters") : value.Trim();
        }

        var state = string.IsNullOrWhiteSpace(input.State) ? CaseState.Unresolved
            : Name<CaseState>(input.State) ?? throw Invalid("state", Expected<CaseState>(input.State));
        var sort = string.IsNullOrWhiteSpace(input.Sort) ? CaseSort.ExpectedLoss
            : Name<CaseSort>(input.Sort) ?? throw Invalid("sort", Expected<CaseSort>(input.Sort));
        var pageSize = CaseQuery.DefaultPageSize;
        if (!string.IsNullOrWhiteSpace(input.PageSize)
            && (!int.TryParse(input.PageSize, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > CaseQuery.MaxPageSize))
        {
            throw Invalid("pageSize", $"'{input.PageSize}' is not a whole number from 1 to {CaseQuery.MaxPageSize}");
        }
        var token = Text(input.PageToken, "pageToken");
        if (token is not null && CasePageToken.Decode(token, sort) is null)
        {
            throw Invalid("pageToken", "not a page token of this order (pass the last answer's next page token, with the same sort)");
        }
        return new CaseQuery
        {
            Teams = scope.Teams,
            Kinds = Names<AlertKind>(input.Kinds, "kind"),
            Severities = Names<AlertSeverity>(input.Severities, "severity"),
            State = state,
            AssignedTo = Text(input.AssignedTo, "assignedTo"),
            CustomerPrefix = Text(input.Customer, "customer"),
            Sort = sort,
            PageSize = pageSize,
            PageToken = token,
        };
    }

    /// <summary>An enum value by its name, in any case and with or without underscores (<c>expectedLoss</c>, <c>EXPECTED_LOSS</c>); never by number.</summary>
    public static T? Name<T>(string value) where T : struct, Enum
    {
        var name = value.Trim().Replace("_", "", StringComparison.Ordinal);
        return name.Length > 0 && !char.IsAsciiDigit(name[0]) && name[0] != '-' && Enum.TryParse<T>(name, ignoreCase: true, out var parsed)
            && Enum.IsDefined(parsed) ? parsed : null;
    }

    private static string Expected<T>(string value) where T : struct, Enum =>
        $"'{value}' is not one of {string.Join(", ", Enum.GetNames<T>())}";
}

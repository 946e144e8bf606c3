using System.Globalization;
using System.Text.RegularExpressions;
using Engagement.Contracts.Alerts;
using Engagement.Gateway.Alerts;
using Engagement.Model;
using Engagement.Storage;

namespace Engagement.Gateway.Query;

/// <summary>A customer query as a client writes it (HTTP parameters or gRPC fields, as text), before it is checked.</summary>
public sealed record CustomerQueryInput(
    IReadOnlyList<string> Stages,
    IReadOnlyList<string> Tiers,
    IReadOnlyList<string> RfmGroups,
    IReadOnlyList<string> RfmCells,
    IReadOnlyList<string> Teams,
    IReadOnlyList<string> Segments,
    IReadOnlyList<KeyValuePair<string, string>> Attributes);

/// <summary>A team (or a customer of a team) outside the caller's key: HTTP 403, gRPC PermissionDenied.</summary>
public sealed class QueryForbiddenException(string field, string reason) : Exception($"{field}: {reason}")
{
    public string Field { get; } = field;
}

/// <summary>
/// Checks a client's query and makes it the store's, scoped to the caller's teams: one check for HTTP and gRPC, each
/// naming its fields its own way (<c>rfmGroup</c>, <c>rfm_groups</c>). Bad input is refused with the field and why.
/// </summary>
public static partial class QueryRequests
{
    public const int DefaultPageSize = 100;
    public const int MaxValues = 16;
    public const int MaxTextLength = 128;

    /// <summary>The fields of the query, by their neutral names; each surface maps them to its own.</summary>
    public static class Fields
    {
        public const string Stage = "stage";
        public const string Tier = "tier";
        public const string RfmGroup = "rfmGroup";
        public const string RfmCell = "rfmCell";
        public const string Team = "team";
        public const string Segment = "segment";
        public const string Attribute = "attribute";
        public const string GroupBy = "groupBy";
        public const string PageSize = "pageSize";
        public const string PageToken = "pageToken";
        public const string Customer = "customer";
        public const string Kind = "kind";
        public const string From = "from";
        public const string To = "to";
        public const string AfterSeq = "afterSeq";
    }

    public static CustomerFilter Filter(CustomerQueryInput input, TeamScope scope, Func<string, string> field)
    {
        var teams = Values(input.Teams, field(Fields.Team), Text);
        if (scope.Teams is { } own)
        {
            if (teams.FirstOrDefault(t => !own.Contains(t, StringComparer.Ordinal)) is { } other)
            {
                throw new QueryForbiddenException(field(Fields.Team), $"'{other}' is not a team of this key");
            }
            if (teams.Count == 0) teams = [.. own];
        }
        if (input.Segments.Count > 8) throw new InvalidQueryException(field(Fields.Segment), "at most 8 segments");
        if (input.Attributes.Count > 8) throw new InvalidQueryException(field(Fields.Attribute), "at most 8 attributes");
        return new CustomerFilter
        {
            Stages = Values(input.Stages, field(Fields.Stage), Stage),
            Tiers = Values(input.Tiers, field(Fields.Tier), Tier),
            RfmGroups = Values(input.RfmGroups, field(Fields.RfmGroup), Group),
            RfmCells = Values(input.RfmCells, field(Fields.RfmCell), Cell),
            Teams = teams,
            Segments = Values(input.Segments, field(Fields.Segment), Text),
            Attributes = [.. input.Attributes.Select(a => Attribute(a, field(Fields.Attribute)))],
        };
    }

    /// <summary>
    /// What counts are grouped by: <c>stage</c>, <c>tier</c>, <c>rfmGroup</c>, <c>rfmCell</c>, <c>team</c>, <c>segment</c> or
    /// <c>attribute.&lt;name&gt;</c> (snake case too); null for the total alone.
    /// </summary>
    public static (CustomerDimension Dimension, string? Attribute)? GroupBy(string? text, Func<string, string> field)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var key = text.Trim();
        foreach (var prefix in (string[])["attribute.", "attr."])
        {
            if (key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                var name = key[prefix.Length..];
                return AttributeName().IsMatch(name) ? (CustomerDimension.Attribute, CustomerAttributes.Key(name))
                    : throw new InvalidQueryException(field(Fields.GroupBy), $"'{name}' is not an attribute name (1..64 letters, digits, '.', '_', '-' or '/')");
            }
        }
        return key.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant() switch
        {
            "stage" => (CustomerDimension.Stage, null),
            "tier" => (CustomerDimension.Tier, null),
            "rfmgroup" => (CustomerDimension.RfmGroup, null),
            "rfmcell" => (CustomerDimension.RfmCell, null),
            "team" => (CustomerDimension.Team, null),
            "segment" => (CustomerDimension.Segment, null),
            _ => throw new InvalidQueryException(field(Fields.GroupBy),
                $"'{Shorten(key)}' is not one of stage, tier, rfmGroup, rfmCell, team, segment, attribute.<name>"),
        };
    }

    public static int PageSize(string? text, Func<string, string> field)
    {
        if (string.IsNullOrWhiteSpace(text)) return DefaultPageSize;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size is >= 1 and <= CustomerQueries.MaxPageSize
            ? size
            : throw new InvalidQueryException(field(Fields.PageSize), $"'{Shorten(text)}' is not a whole number from 1 to {CustomerQueries.MaxPageSize}");
    }

    public static int PageSize(int size, Func<string, string> field) => size == 0 ? DefaultPageSize
        : size is >= 1 and <= CustomerQueries.MaxPageSize ? size
        : throw new InvalidQueryException(field(Fields.PageSize), $"{size} is not from 1 to {CustomerQueries.MaxPageSize}");

    public static long AfterSeq(string? text, Func<string, string> field) =>
        string.IsNullOrWhiteSpace(text) ? 0
        : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seq) ? seq
        : throw new InvalidQueryException(field(Fields.AfterSeq), $"'{Shorten(text)}' is not a sequence number (a whole number, 0 or more)");

    public static IReadOnlyList<AlertKind> Kinds(IReadOnlyList<string> texts, Func<string, string> field) =>
        Values(texts, field(Fields.Kind), t => CaseQueries.Name<AlertKind>(t)?.ToString()).Select(Enum.Parse<AlertKind>).ToList();

    public static DateTimeOffset? Instant(string? text, string field) =>
        string.IsNullOrWhiteSpace(text) ? null
        : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at
        : throw new InvalidQueryException(field, $"'{Shorten(text)}' is not a date and time (ISO 8601, e.g. 2026-12-01 or 2026-12-01T10:00:00Z)");

    /// <summary>Refuses a customer of a team outside the caller's key (a customer the store does not know passes: it has nothing to show).</summary>
    public static async Task CheckCustomerAsync(CustomerQueries queries, string customerId, TeamScope scope, string field, CancellationToken cancellationToken)
    {
        if (scope.Teams is null) return;
        if (await queries.TeamOfAsync(customerId, cancellationToken) is { } team && !scope.Sees(team))
        {
            throw new QueryForbiddenException(field, $"customer '{Shorten(customerId)}' is not of a team of this key");
        }
    }

    private static List<string> Values(IReadOnlyList<string> texts, string field, Func<string, string?> canonical)
    {
        var values = texts.SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (values.Count > MaxValues) throw new InvalidQueryException(field, $"at most {MaxValues} values");
        return [.. values.Select(v => canonical(v) ?? throw new InvalidQueryException(field, Why(field, v))).Distinct(StringComparer.Ordinal)];
    }

    private static string Why(string field, string value) => field.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant() switch
    {
        var f when f.StartsWith("stage", StringComparison.Ordinal) => $"'{Shorten(value)}' is not one of {string.Join(", ", Enum.GetNames<LifecycleStage>())}",
        var f when f.StartsWith("tier", StringComparison.Ordinal) => $"'{Shorten(value)}' is not a tier (A, B, C) or a tier and CLV band (A/{string.Join(", A/", Enum.GetNames<ClvBand>())})",
        var f when f.StartsWith("rfmgroup", StringComparison.Ordinal) => $"'{Shorten(value)}' is not one of {string.Join(", ", Enum.GetNames<RfmGroup>())}",
        var f when f.StartsWith("rfmcell", StringComparison.Ordinal) => $"'{Shorten(value)}' is not an RFM cell (three digits 1..5, e.g. 555)",
        var f when f.StartsWith("kind", StringComparison.Ordinal) => $"'{Shorten(value)}' is not one of {string.Join(", ", Enum.GetNames<AlertKind>())}",
        _ => $"'{Shorten(value)}' must be 1..{MaxTextLength} characters without control characters",
    };

    private static string? Stage(string text) => Enum.GetNames<LifecycleStage>().FirstOrDefault(n => n.Equals(text, StringComparison.OrdinalIgnoreCase));

    private static string? Tier(string text)
    {
        var parts = text.Split('/');
        var tier = Enum.GetNames<ValueTier>().FirstOrDefault(n => n.Equals(parts[0], StringComparison.OrdinalIgnoreCase));
        if (tier is null || parts.Length > 2) return null;
        if (parts.Length == 1) return tier;
        return Enum.GetNames<ClvBand>().FirstOrDefault(n => n.Equals(parts[1], StringComparison.OrdinalIgnoreCase)) is { } band ? $"{tier}/{band}" : null;
    }

    private static string? Group(string text)
    {
        foreach (var group in Enum.GetValues<RfmGroup>())
        {
            if (group.ToString().Equals(text, StringComparison.OrdinalIgnoreCase) || Rfm.DisplayName(group).Equals(text, StringComparison.OrdinalIgnoreCase))
            {
                return group.ToString();
            }
        }
        return null;
    }

    private static string? Cell(string text) => RfmCellPattern().IsMatch(text) ? text : null;

    private static string? Text(string text) => text.Length is > 0 and <= MaxTextLength && !text.Any(char.IsControl) ? text : null;

    private static KeyValuePair<string, string> Attribute(KeyValuePair<string, string> attribute, string field)
    {
        if (!AttributeName().IsMatch(attribute.Key))
        {
            throw new InvalidQueryException(field, $"'{Shorten(attribute.Key)}' is not an attribute name (1..64 letters, digits, '.', '_', '-' or '/')");
        }
        var value = CustomerAttributes.Key(attribute.Value);
        if (value.Length is 0 or > CustomerAttributes.MaxValueLength || value.Any(char.IsControl))
        {
            throw new InvalidQueryException($"{field}.{attribute.Key}", $"a value of 1..{CustomerAttributes.MaxValueLength} characters is required");
        }
        return KeyValuePair.Create(CustomerAttributes.Key(attribute.Key), value);
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";

    [GeneratedRegex("^[1-5]{3}$")]
    private static partial Regex RfmCellPattern();

    [GeneratedRegex(@"^[A-Za-z0-9._\-/]{1,64}$")]
    private static partial Regex AttributeName();
}

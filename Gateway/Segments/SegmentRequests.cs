using System.Security.Claims;
using Engagement.Contracts.Segments;
using Engagement.Model;

namespace Engagement.Gateway.Segments;

/// <summary>A request field that is refused, and why (answered as 400 problem details, or gRPC INVALID_ARGUMENT).</summary>
public sealed class InvalidSegmentRequestException(string field, string reason) : Exception($"{field}: {reason}")
{
    public string Field { get; } = field;

    public string Reason { get; } = reason;
}

/// <summary>The checks HTTP and gRPC share on what a client sends about segments.</summary>
public static class SegmentRequests
{
    public const int MaxNameLength = 64;

    public const int MaxDescriptionLength = 500;

    public const int DefaultPageSize = 100;

    public const int MaxPageSize = 500;

    /// <summary>A segment name: 1 to 64 letters (a-z, A-Z), digits, '_' and '-' (it is a change's data and a query's value).</summary>
    public static string Name(string? name, string field = "name")
    {
        if (string.IsNullOrEmpty(name)) throw new InvalidSegmentRequestException(field, "required");
        if (name.Length > MaxNameLength) throw new InvalidSegmentRequestException(field, $"longer than {MaxNameLength} characters");
        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            throw new InvalidSegmentRequestException(field, "use letters (a-z), digits, '_' and '-' only");
        }
        return name;
    }

    /// <summary>A rule that parses within the parser's limits (length, nesting, comparisons); the parser's reason names the position.</summary>
    public static string Rule(string? rule, string field = "rule")
    {
        if (string.IsNullOrWhiteSpace(rule)) throw new InvalidSegmentRequestException(field, "required");
        try
        {
            SegmentParser.Parse(rule);
        }
        catch (SegmentParseException ex)
        {
            throw new InvalidSegmentRequestException(field, ex.Message);
        }
        return rule;
    }

    public static string Description(string? description, string field = "description")
    {
        description ??= "";
        if (description.Length > MaxDescriptionLength) throw new InvalidSegmentRequestException(field, $"longer than {MaxDescriptionLength} characters");
        return description;
    }

    public static int PageSize(int? size, string field)
    {
        if (size is null or 0) return DefaultPageSize;
        if (size is < 1 or > MaxPageSize) throw new InvalidSegmentRequestException(field, $"from 1 to {MaxPageSize}");
        return size.Value;
    }

    public static string? PageToken(string? token, string field) =>
        string.IsNullOrEmpty(token) ? null : Name(token, field);

    /// <summary>The key's name and role, as the version records them.</summary>
    public static SegmentAuthorInfo Author(ClaimsPrincipal user) =>
        new(user.FindFirstValue(ClaimTypes.Name) ?? "unknown", user.FindFirstValue(ClaimTypes.Role) ?? "unknown");
}

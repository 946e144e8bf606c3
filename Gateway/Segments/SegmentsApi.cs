using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Engagement.Contracts.Segments;
using Engagement.Gateway.Api;
using Engagement.Gateway.Query;
using Engagement.Gateway.Security;
using Microsoft.Net.Http.Headers;

namespace Engagement.Gateway.Segments;

/// <summary>
/// Segments over HTTP, under <c>/api/segments</c>: list (paged), one with its versions, define or change (<c>PUT</c>, with
/// <c>If-Match</c> on the version for optimistic concurrency), remove, and a dry run that counts the customers a rule would
/// match. Admins write; admins, supervisors and integrations read. Bad input is 400 problem details naming the field.
/// </summary>
public static partial class SegmentsApi
{
    /// <summary>Unknown fields are refused: a misspelt "rulle" must not save a segment without its rule.</summary>
    private static readonly JsonSerializerOptions Body = new(JsonSerializerDefaults.Web) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    public static void MapSegmentsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/segments");
        group.MapGet("", List).RequireAuthorization(p => p.RequireRole(QueryApi.ReadRoles));
        group.MapGet("/{name}", Get).RequireAuthorization(p => p.RequireRole(QueryApi.ReadRoles));
        group.MapPut("/{name}", Put).RequireAuthorization(Policies.Admin);
        group.MapDelete("/{name}", Delete).RequireAuthorization(Policies.Admin);
        group.MapPost("/dry-run", DryRun).RequireAuthorization(Policies.Admin);
    }

    private sealed record SegmentBody(string? Rule, string? Description);

    private sealed record DryRunBody(string? Rule);

    /// <summary>A version as HTTP answers it.</summary>
    public sealed record SegmentView(string Name, int Version, string? Rule, string Description, bool Removed, string Source, string ChangedBy,
        string ChangedByRole, DateTimeOffset ChangedAt)
    {
        public static SegmentView Of(SegmentInfo s) => new(s.Name, s.Version, s.Rule, s.Description, s.Removed, s.Source, s.ChangedBy, s.Role, s.ChangedAt);
    }

    public sealed record SegmentListView(IReadOnlyList<SegmentView> Segments, string? NextPageToken);

    public sealed record SegmentHistoryView(SegmentView Current, IReadOnlyList<SegmentView> Versions);

    private static Task<IResult> List(HttpRequest request, IGrainFactory grains) => RunAsync(async () =>
    {
        var q = request.Query;
        int? size = null;
        if (q.ContainsKey("pageSize"))
        {
            size = int.TryParse(q["pageSize"], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed
                : throw new InvalidSegmentRequestException("pageSize", "a whole number");
        }
        var limit = SegmentRequests.PageSize(size, "pageSize");
        var page = await Segments(grains).List(SegmentRequests.PageToken(q["pageToken"], "pageToken"), limit);
        return TypedResults.Ok(new SegmentListView([.. page.Segments.Select(SegmentView.Of)], page.Next));
    });

    private static Task<IResult> Get(string name, IGrainFactory grains) => RunAsync(async () =>
    {
        var history = await Segments(grains).History(SegmentRequests.Name(name));
        return history is null
            ? NotFound(name)
            : TypedResults.Ok(new SegmentHistoryView(SegmentView.Of(history.Current), [.. history.Versions.Select(SegmentView.Of)]));
    });

    private static Task<IResult> Put(string name, HttpContext context, ClaimsPrincipal user, IGrainFactory grains) => RunAsync(async () =>
    {
        SegmentRequests.Name(name);
        var body = await ReadAsync<SegmentBody>(context.Request);
        var rule = SegmentRequests.Rule(body.Rule);
        var description = SegmentRequests.Description(body.Description);
        var expected = Expected(context.Request);
        var result = await Segments(grains).Save(name, rule, description, SegmentRequests.Author(user), expected);
        return Written(context, name, result);
    });

    private static Task<IResult> Delete(string name, HttpContext context, ClaimsPrincipal user, IGrainFactory grains) => RunAsync(async () =>
    {
        SegmentRequests.Name(name);
        var result = await Segments(grains).Remove(name, SegmentRequests.Author(user), Expected(context.Request));
        return Written(context, name, result);
    });

    private static Task<IResult> DryRun(HttpRequest request, IGrainFactory grains) => RunAsync(async () =>
    {
        var body = await ReadAsync<DryRunBody>(request);
        var result = await Segments(grains).DryRun(SegmentRequests.Rule(body.Rule));
        return TypedResults.Ok(result);
    });

    private static IResult Written(HttpContext context, string name, SegmentWriteResult result)
    {
        if (result.Current is { } current) context.Response.Headers.ETag = ETag(current.Version);
        return result.Outcome switch
        {
            SegmentWriteOutcome.Saved or SegmentWriteOutcome.Unchanged => TypedResults.Ok(SegmentView.Of(result.Current!)),
            SegmentWriteOutcome.Conflict => TypedResults.Problem(statusCode: StatusCodes.Status412PreconditionFailed, title: "Segment changed meanwhile",
                detail: result.Current is { } now
                    ? $"If-Match: segment '{name}' is at version {now.Version}; read it again and repeat the change on it."
                    : $"If-Match: segment '{name}' is not defined."),
            _ => NotFound(name),
        };
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult NotFound(string name) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such segment", detail: $"No segment is named '{name}'.");

    public static string ETag(int version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    /// <summary>The version a write expects: <c>If-Match: "3"</c>; <c>If-None-Match: *</c> for none (a new name).</summary>
    private static int? Expected(HttpRequest request)
    {
        var headers = request.GetTypedHeaders();
        if (headers.IfNoneMatch is [{ } star] && star.Equals(EntityTagHeaderValue.Any)) return 0;
        if (request.Headers.IfMatch.Count == 0) return null;
        if (headers.IfMatch is [{ IsWeak: false } tag] && tag.Tag.Length > 2
            && int.TryParse(tag.Tag.AsSpan(1, tag.Tag.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version > 0)
        {
            return version;
        }
        throw new InvalidSegmentRequestException("If-Match", "one strong entity tag holding the version, e.g. \"3\" (as the ETag header gave it)");
    }

    private static async Task<T> ReadAsync<T>(HttpRequest request)
    {
        if (!request.HasJsonContentType()) throw new InvalidSegmentRequestException("body", "a JSON object (Content-Type: application/json)");
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, Body, request.HttpContext.RequestAborted)
                ?? throw new InvalidSegmentRequestException("body", "a JSON object, not null");
        }
        catch (JsonException ex)
        {
            // An unknown member's name is in the message only (its path is the object's).
            if (UnknownMember().Match(ex.Message) is { Success: true } unknown)
            {
                throw new InvalidSegmentRequestException(unknown.Groups[1].Value, "not a field of this request (rule, description)");
            }
            var field = ex.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "body";
            throw new InvalidSegmentRequestException(field, "not valid JSON of the expected shape");
        }
    }

    [GeneratedRegex("property '([^']*)' could not be mapped")]
    private static partial Regex UnknownMember();

    private static ISegmentsGrain Segments(IGrainFactory grains) => grains.GetGrain<ISegmentsGrain>(0);

    private static async Task<IResult> RunAsync(Func<Task<IResult>> handle)
    {
        try
        {
            return await handle();
        }
        catch (InvalidSegmentRequestException ex)
        {
            return ApiProblems.Invalid(ex.Field, ex.Reason);
        }
    }
}

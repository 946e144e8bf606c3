using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Engagement.Contracts.V1;
using Engagement.Model;
using Engagement.Tests.Customers;
using Engagement.Tests.Infrastructure;
using Grpc.Core;

namespace Engagement.Tests.Segments;

/// <summary>
/// Segments as data over real HTTP and gRPC, on the embedded engine (SQLite) and on a silo with a cluster gateway
/// (PostgreSQL): versions with who and when, optimistic concurrency; a new segment's idle members enter it through the
/// sweep with no event of theirs, and its removal makes them leave, each move a change in the feed; the dry run counts
/// what the sweep then puts in the segment; roles refused; bad input answered 400 (or INVALID_ARGUMENT) naming the field.
/// </summary>
public abstract class SegmentApiContract(Func<EngineHost> host)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Versions_keep_who_and_when_and_a_stale_if_match_is_refused()
    {
        var engine = host();
        using var admin = engine.Http(TestKeys.Admin);
        var name = $"crud_{Guid.NewGuid():N}"[..20];
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var created = await PutAsync(admin, name, """{"rule": "tier = A and churn_risk > 0.5", "description": "A customers at risk"}""", ifNoneMatch: true);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal("\"1\"", created.Headers.ETag?.Tag);
        var v1 = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(1, v1.GetProperty("version").GetInt32());
        Assert.Equal("Engagement:Keys:3", v1.GetProperty("changedBy").GetString());
        Assert.Equal("admin", v1.GetProperty("changedByRole").GetString());
        Assert.InRange(v1.GetProperty("changedAt").GetDateTimeOffset(), before, DateTimeOffset.UtcNow.AddSeconds(1));

        Assert.Equal(HttpStatusCode.PreconditionFailed, (await PutAsync(admin, name, """{"rule": "tier = B"}""", ifNoneMatch: true)).StatusCode);
        var changed = await PutAsync(admin, name, """{"rule": "tier = A and churn_risk > 0.6", "description": "tighter"}""", ifMatch: "\"1\"");
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var stale = await PutAsync(admin, name, """{"rule": "tier = B"}""", ifMatch: "\"1\"");
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Contains("version 2", await stale.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        using var supervisor = engine.Http(TestKeys.Supervisor);
        var list = await supervisor.GetFromJsonAsync<JsonElement>("/api/segments?pageSize=500", Ct);
        Assert.Contains(list.GetProperty("segments").EnumerateArray(), s => s.GetProperty("name").GetString() == name && s.GetProperty("version").GetInt32() == 2);

        using var removal = new HttpRequestMessage(HttpMethod.Delete, $"/api/segments/{name}");
        removal.Headers.IfMatch.Add(new EntityTagHeaderValue("\"2\""));
        var removed = await admin.SendAsync(removal, Ct);
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.True((await removed.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("removed").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/segments/{name}", Ct)).StatusCode);

        using var integration = engine.Http(TestKeys.Integration);
        var history = await integration.GetFromJsonAsync<JsonElement>($"/api/segments/{name}", Ct);
        Assert.True(history.GetProperty("current").GetProperty("removed").GetBoolean());
        Assert.Equal([3, 2, 1], history.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
        Assert.Equal(["", "tighter", "A customers at risk"], history.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("description").GetString()));
        var after = await supervisor.GetFromJsonAsync<JsonElement>("/api/segments?pageSize=500", Ct);
        Assert.DoesNotContain(after.GetProperty("segments").EnumerateArray(), s => s.GetProperty("name").GetString() == name);

        // gRPC: the same store.
        var grpc = engine.Client.Segments();
        var put = await grpc.PutSegmentAsync(new PutSegmentRequest { Name = name, Rule = "tier = C", ExpectAbsent = true }, cancellationToken: Ct);
        Assert.Equal((4, "Engagement:Keys:3", "admin"), (put.Version, put.ChangedBy, put.ChangedByRole));
        var got = await engine.Client.Segments(TestKeys.Integration).GetSegmentAsync(new GetSegmentRequest { Name = name }, cancellationToken: Ct);
        Assert.Equal([4, 3, 2, 1], got.Versions.Select(v => v.Version));
        var conflict = await Assert.ThrowsAsync<RpcException>(() =>
            grpc.DeleteSegmentAsync(new DeleteSegmentRequest { Name = name, ExpectedVersion = 3 }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, conflict.StatusCode);
        Assert.True((await grpc.DeleteSegmentAsync(new DeleteSegmentRequest { Name = name, ExpectedVersion = 4 }, cancellationToken: Ct)).Removed);
    }

    [Fact]
    public async Task A_new_segment_takes_in_idle_customers_through_the_sweep_and_its_removal_lets_them_leave()
    {
        var engine = host();
        using var admin = engine.Http(TestKeys.Admin);
        var run = Guid.NewGuid().ToString("N")[..8];
        var at = DateTimeOffset.UtcNow.AddDays(-2);
        var big = Enumerable.Range(1, 3).Select(i => $"big-{run}-{i}").ToList();
        var small = Enumerable.Range(1, 3).Select(i => $"small-{run}-{i}").ToList();
        var ack = await engine.Client.Ingest().SubmitAsync(Events.Batch(
        [
            .. big.Select(id => Events.Purchase(id, 900, at)),
            .. small.Select(id => Events.Purchase(id, 40, at)),
            Events.Profile(big[0], at, ("run", run)), Events.Profile(small[0], at, ("run", run)),
        ]), cancellationToken: Ct);
        Assert.Equal(8, ack.Accepted);
        var start = await SweepFeed.WatchUntilAsync(engine, 0, c => c.CustomerId == small[^1] && c.Kind == "stage.changed");

        // The dry run counts from the stored digests: the big spenders of this run (the profile's attribute narrows to it).
        var name = $"big_{run}";
        var rule = $"total_spend >= 500 and run = '{run}'";
        var dry = await (await admin.PostAsJsonAsync("/api/segments/dry-run", new { rule }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(1, dry.GetProperty("matching").GetInt64());
        var wide = await (await admin.PostAsJsonAsync("/api/segments/dry-run", new { rule = $"total_spend >= 500" }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(wide.GetProperty("matching").GetInt64() >= big.Count);

        var generation = await SweepGenerationAsync(admin);
        var put = await PutAsync(admin, name, JsonSerializer.Serialize(new { rule = "total_spend >= 500", description = "big spenders of " + run }));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        await SweepDoneAsync(admin, generation);
        var entered = await ChangesOfAsync(engine, start[^1].Sequence, run, name);
        Assert.Equal(big.Select(id => (id, "segment.entered")).Order(), entered.Order());
        using var integration = engine.Http(TestKeys.Integration);
        var members = await integration.GetFromJsonAsync<JsonElement>($"/api/query/customers/count?segment={name}", Ct);
        Assert.Equal(wide.GetProperty("matching").GetInt64(), members.GetProperty("total").GetInt64());

        generation = await SweepGenerationAsync(admin);
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/api/segments/{name}", Ct)).StatusCode);
        await SweepDoneAsync(admin, generation);
        var moves = await ChangesOfAsync(engine, start[^1].Sequence, run, name);
        Assert.Equal(big.Select(id => (id, "segment.entered")).Concat(big.Select(id => (id, "segment.left"))).Order(), moves.Order());
    }

    [Fact]
    public async Task Roles_are_refused_where_they_should_be()
    {
        var engine = host();
        var name = $"roles_{Guid.NewGuid():N}"[..20];
        var body = """{"rule": "tier = A"}""";
        using var anonymous = engine.Http(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/segments", Ct)).StatusCode);
        foreach (var key in new[] { TestKeys.Agent, TestKeys.Channel })
        {
            using var http = engine.Http(key);
            Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync("/api/segments", Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync($"/api/segments/{name}", Ct)).StatusCode);
        }
        foreach (var key in new[] { TestKeys.Supervisor, TestKeys.Integration, TestKeys.Agent })
        {
            using var http = engine.Http(key);
            Assert.Equal(HttpStatusCode.Forbidden, (await PutAsync(http, name, body)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await http.DeleteAsync($"/api/segments/{name}", Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await http.PostAsJsonAsync("/api/segments/dry-run", new { rule = "tier = A" }, Ct)).StatusCode);
        }
        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            engine.Client.Segments(TestKeys.Supervisor).PutSegmentAsync(new PutSegmentRequest { Name = name, Rule = "tier = A" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        var agent = await Assert.ThrowsAsync<RpcException>(() =>
            engine.Client.Segments(TestKeys.Agent).ListSegmentsAsync(new ListSegmentsRequest(), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, agent.StatusCode);
        using var admin = engine.Http(TestKeys.Admin);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/segments/{name}", Ct)).StatusCode);
    }

    [Fact]
    public async Task Bad_input_is_a_400_naming_the_field_and_the_reason()
    {
        var engine = host();
        using var admin = engine.Http(TestKeys.Admin);
        var deep = string.Concat(Enumerable.Repeat("not (", SegmentParser.MaxNesting + 1)) + "tier = A" + new string(')', SegmentParser.MaxNesting + 1);
        var many = string.Join(" or ", Enumerable.Range(0, SegmentParser.MaxComparisons + 1).Select(i => $"x = {i}"));
        var cases = new (string Name, string Body, string? IfMatch, string Field, string Reason)[]
        {
            (new string('a', 65), """{"rule": "tier = A"}""", null, "name", "longer than 64"),
            ("no spaces", """{"rule": "tier = A"}""", null, "name", "letters"),
            ("ok", """{"rule": "tier = = A"}""", null, "rule", "position"),
            ("ok", """{"rule": ""}""", null, "rule", "required"),
            ("ok", $$"""{"rule": "{{deep}}"}""", null, "rule", "nest"),
            ("ok", $$"""{"rule": "{{many}}"}""", null, "rule", "comparisons"),
            ("ok", $$"""{"rule": "tier = '{{new string('a', SegmentParser.MaxLength)}}'"}""", null, "rule", "longer than"),
            ("ok", """{"rule": "tier = A", "rulle": "x"}""", null, "rulle", "not a field"),
            ("ok", """{"rule": 5}""", null, "rule", "JSON"),
            ("ok", """{"rule": "tier = A", "description": "DESC"}""".Replace("DESC", new string('d', 501), StringComparison.Ordinal), null, "description", "500"),
            ("ok", """{"rule": "tier = A"}""", "W/\"1\"", "If-Match", "entity tag"),
        };
        foreach (var (name, body, ifMatch, field, reason) in cases)
        {
            var response = await PutAsync(admin, name, body, ifMatch: ifMatch);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{name} {body[..Math.Min(40, body.Length)]}: {response.StatusCode}");
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            var errors = problem.GetProperty("errors");
            Assert.True(errors.TryGetProperty(field, out var messages), $"{field} in {problem}");
            Assert.Contains(reason, messages[0].GetString()!, StringComparison.OrdinalIgnoreCase);
        }
        var dry = await admin.PostAsync("/api/segments/dry-run", new StringContent("""{"rule": "tier in ("}""", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, dry.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/api/segments?pageSize=501", Ct)).StatusCode);

        var grpc = await Assert.ThrowsAsync<RpcException>(() =>
            engine.Client.Segments().PutSegmentAsync(new PutSegmentRequest { Name = "ok", Rule = deep }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, grpc.StatusCode);
        Assert.Equal("rule", grpc.Trailers.GetValue("field"));
        Assert.StartsWith("rule: ", grpc.Status.Detail, StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> PutAsync(HttpClient http, string name, string body, string? ifMatch = null, bool ifNoneMatch = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/segments/{Uri.EscapeDataString(name)}")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        if (ifNoneMatch) request.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Any);
        return await http.SendAsync(request, Ct);
    }

    private static async Task<long> SweepGenerationAsync(HttpClient admin) =>
        (await admin.GetFromJsonAsync<JsonElement>("/api/population/sweep", Ct)).GetProperty("generation").GetInt64();

    private static Task SweepDoneAsync(HttpClient admin, long after) => Wait.UntilAsync(async () =>
    {
        var sweep = await admin.GetFromJsonAsync<JsonElement>("/api/population/sweep", Ct);
        return sweep.GetProperty("generation").GetInt64() > after && sweep.GetProperty("state").GetString() == "done"
            && sweep.GetProperty("reason").GetString() == "segments";
    }, Patience, "the sweep after the segment change is done");

    /// <summary>This run's segment moves of <paramref name="segment"/> after <paramref name="after"/>, up to a marker sent now.</summary>
    private static async Task<List<(string, string)>> ChangesOfAsync(EngineHost engine, long after, string run, string segment)
    {
        var marker = $"marker-{run}-{Guid.NewGuid():N}";
        await engine.Client.Ingest().SubmitAsync(Events.Batch(Events.Purchase(marker, 1, DateTimeOffset.UtcNow.AddDays(-1))), cancellationToken: Ct);
        var changes = await SweepFeed.WatchUntilAsync(engine, after, c => c.CustomerId == marker && c.Kind == "stage.changed");
        return [.. changes.Where(c => c.Kind.StartsWith("segment.", StringComparison.Ordinal) && c.CustomerId.Contains(run, StringComparison.Ordinal)
                && JsonDocument.Parse(c.DataJson).RootElement.GetProperty("segment").GetString() == segment)
            .Select(c => (c.CustomerId, c.Kind))];
    }
}

public sealed class EmbeddedSegmentApiTests(EmbeddedEngineFixture engine)
    : SegmentApiContract(() => engine.Host), IClassFixture<EmbeddedEngineFixture>;

public sealed class ClusterSegmentApiTests(ClusterEngineFixture engine)
    : SegmentApiContract(() => engine.Gateway), IClassFixture<ClusterEngineFixture>;

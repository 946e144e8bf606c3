using System.Net;
using System.Text.Json;
using Engagement.Contracts.Alerts;
using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.Tests.Privacy;

/// <summary>
/// A person's export (issue 17): one JSON document with every event sent (over more than one page of the journal), every
/// alert and its changes, identifiers, profile, traits and decisions; over HTTP and gRPC alike; for admins and
/// integrations only; 404 for an unknown id. And the gRPC erasure's roles and answer.
/// </summary>
public sealed class ExportTests(EmbeddedEngineFixture engine) : IClassFixture<EmbeddedEngineFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTimeOffset Start = new(2025, 2, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_export_holds_every_event_and_alert_of_the_person_and_the_traits_over_http_and_grpc()
    {
        var id = $"export-{Guid.NewGuid():N}";
        var sent = new List<string>();
        var events = new List<Event>
        {
            Events.Profile(id, Start, ("name", "Xavier Export"), ("email", "xavier.export@example.org"), ("phone", "+1 555 010 2000"), ("region", "west")),
            Events.Purchase(id, 300, Start.AddDays(1)),
            Events.Purchase(id, 200, Start.AddDays(20)),
            Events.Complaint(id, ComplaintSeverity.High, Start.AddDays(21)),
            Events.Nps(id, 1, Start.AddDays(22)),
        };
        // More than one page of the journal (the export reads it 500 at a time).
        events.AddRange(Enumerable.Range(0, 520).Select(i => Events.Visit(id, Start.AddDays(2).AddMinutes(i))));
        foreach (var chunk in events.Chunk(TestLimits.MaxEventsPerBatch))
        {
            var ack = await engine.Client.Ingest().SubmitAsync(Events.Batch(chunk), cancellationToken: Ct);
            Assert.Equal(chunk.Length, ack.Accepted);
            sent.AddRange(chunk.Select(e => e.EventId));
        }
        var grains = engine.Host.Services.GetRequiredService<IGrainFactory>();
        var alerts = new List<string>();
        foreach (var kind in Enum.GetValues<AlertKind>())
        {
            if (await grains.GetGrain<ICustomerAlertGrain>(AlertIds.GrainKey(id, kind)).Current() is { } alert) alerts.Add(alert.AlertId);
        }
        Assert.NotEmpty(alerts);

        using var admin = engine.Host.Http(TestKeys.Admin);
        var response = await admin.GetAsync($"/api/customers/{id}/export", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var http = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;

        Assert.Equal(id, http.GetProperty("customerId").GetString());
        Assert.Equal(sent, http.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("eventId").GetString()!));
        Assert.Equal([.. Enumerable.Range(1, sent.Count).Select(i => (long)i)], http.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("seq").GetInt64()));
        Assert.Equal(300, http.GetProperty("events")[1].GetProperty("payload").GetProperty("amount").GetDouble());
        Assert.Equal(alerts.Order(), http.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("alertId").GetString()!).Order());
        Assert.All(alerts, a => Assert.Contains(http.GetProperty("alertChanges").EnumerateArray(), c => c.GetProperty("alertId").GetString() == a));
        Assert.Equal("Xavier Export", http.GetProperty("profile").GetProperty("name").GetString());
        var identifiers = http.GetProperty("identifiers").EnumerateArray().Select(i => (i.GetProperty("kind").GetString(), i.GetProperty("value").GetString())).ToList();
        Assert.Contains(("id", id), identifiers);
        Assert.Contains(("email", "xavier.export@example.org"), identifiers);
        Assert.Contains(("phone", "+15550102000"), identifiers);
        Assert.Equal(sent.Count, http.GetProperty("summary").GetProperty("eventCount").GetInt64());
        Assert.Equal(500, http.GetProperty("summary").GetProperty("totalSpend").GetDouble());
        var traits = http.GetProperty("traits");
        foreach (var trait in (string[])["stage", "tier", "rfmCell", "segments", "engagement", "satisfaction", "churnRisk", "churnReasons", "nextBestAction", "clv"])
        {
            Assert.True(traits.TryGetProperty(trait, out _), trait);
        }
        Assert.NotEmpty(http.GetProperty("decisions").EnumerateArray());

        // The same document over gRPC, in chunks.
        using var call = engine.Client.Privacy(TestKeys.Integration).Export(new ExportRequest { CustomerId = id }, cancellationToken: Ct);
        var bytes = new MemoryStream();
        var chunks = 0;
        while (await call.ResponseStream.MoveNext(Ct))
        {
            call.ResponseStream.Current.Data.WriteTo(bytes);
            chunks++;
        }
        Assert.True(chunks > 1, "the document is streamed in parts");
        var grpc = JsonDocument.Parse(bytes.ToArray()).RootElement;
        Assert.Equal(sent, grpc.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("eventId").GetString()!));
        Assert.Equal(http.GetProperty("alerts").GetRawText(), grpc.GetProperty("alerts").GetRawText());
    }

    [Fact]
    public async Task Only_admins_and_integrations_export_and_an_unknown_id_is_not_found()
    {
        var id = $"export-roles-{Guid.NewGuid():N}";
        await engine.Client.Ingest().SubmitAsync(Events.Batch(Events.Purchase(id, 10, Start)), cancellationToken: Ct);
        foreach (var key in (string[])[TestKeys.Admin, TestKeys.Integration])
        {
            using var allowed = engine.Host.Http(key);
            Assert.Equal(HttpStatusCode.OK, (await allowed.GetAsync($"/api/customers/{id}/export", Ct)).StatusCode);
        }
        foreach (var key in (string[])[TestKeys.Agent, TestKeys.Supervisor, TestKeys.Channel])
        {
            using var refused = engine.Host.Http(key);
            Assert.Equal(HttpStatusCode.Forbidden, (await refused.GetAsync($"/api/customers/{id}/export", Ct)).StatusCode);
            var denied = await Assert.ThrowsAsync<RpcException>(async () =>
            {
                using var call = engine.Client.Privacy(key).Export(new ExportRequest { CustomerId = id }, cancellationToken: Ct);
                await call.ResponseStream.MoveNext(Ct);
            });
            Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        }
        using (var anonymous = engine.Host.Http(null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/customers/{id}/export", Ct)).StatusCode);
        }
        using var admin = engine.Host.Http(TestKeys.Admin);
        var unknown = await admin.GetAsync($"/api/customers/no-such-{Guid.NewGuid():N}/export", Ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var notFound = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = engine.Client.Privacy(TestKeys.Admin).Export(new ExportRequest { CustomerId = $"no-such-{Guid.NewGuid():N}" }, cancellationToken: Ct);
            await call.ResponseStream.MoveNext(Ct);
        });
        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);
    }

    [Fact]
    public async Task The_grpc_erasure_is_for_admins_and_answers_with_the_audit_record()
    {
        var id = $"erase-grpc-{Guid.NewGuid():N}";
        await engine.Client.Ingest().SubmitAsync(Events.Batch(Events.Purchase(id, 10, Start)), cancellationToken: Ct);
        foreach (var key in (string[])[TestKeys.Agent, TestKeys.Supervisor, TestKeys.Integration, TestKeys.Channel])
        {
            var denied = await Assert.ThrowsAsync<RpcException>(async () =>
                await engine.Client.Privacy(key).EraseAsync(new EraseRequest { CustomerId = id }, cancellationToken: Ct));
            Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        }
        var erased = await engine.Client.Privacy().EraseAsync(new EraseRequest { CustomerId = id }, cancellationToken: Ct);
        Assert.Equal(("completed", true), (erased.State, erased.Found));
        Assert.DoesNotContain(id, erased.ToString(), StringComparison.Ordinal);
        var again = await engine.Client.Privacy().GetErasureAsync(new GetErasureRequest { ErasureId = erased.ErasureId }, cancellationToken: Ct);
        Assert.Equal(erased, again);
        var gone = await Assert.ThrowsAsync<RpcException>(async () =>
            await engine.Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = id }, cancellationToken: Ct));
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        var invalid = await Assert.ThrowsAsync<RpcException>(async () =>
            await engine.Client.Privacy().EraseAsync(new EraseRequest { CustomerId = "" }, cancellationToken: Ct));
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.StartsWith("customer_id:", invalid.Status.Detail, StringComparison.Ordinal);
    }
}

using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Engagement.Contracts.V1;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.DependencyInjection;
using Proto = Engagement.Contracts.V1;

namespace Engagement.Tests.Query;

/// <summary>The embedded engine with 100,000 synthetic customers in its store, and a supervisor key of team north only.</summary>
public sealed class QueryEngine : IAsyncLifetime
{
    public const string NorthSupervisor = "test-north-supervisor-key-0123456789";

    private EngineHost? _host;

    public EngineHost Host => _host ?? throw new InvalidOperationException("Not started.");

    public IReadOnlyList<CustomerDigest> Customers { get; } = SyntheticCustomers.Generate(QueryPopulation.Size, seed: 61);

    public async ValueTask InitializeAsync()
    {
        _host = await EngineHost.StartEmbeddedAsync(settings:
        [
            new("Engagement:Keys:10:Key", NorthSupervisor),
            new("Engagement:Keys:10:Role", "supervisor"),
            new("Engagement:Keys:10:Name", "north-supervisor"),
            new("Engagement:Keys:10:Teams:0", "north"),
        ]);
        await SyntheticCustomers.WriteAsync(_host.Services.GetRequiredService<GroupCommitJournal>(), Customers, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }
}

/// <summary>
/// The query API over real HTTP and gRPC against the embedded engine: counts and pages match the population, exports
/// stream (the first rows arrive while the server has not read the last), roles are refused where they should be, and
/// bad parameters are 400 problem details or InvalidArgument naming the field.
/// </summary>
public sealed class QueryApiTests(QueryEngine engine) : IClassFixture<QueryEngine>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IReadOnlyList<CustomerDigest> Customers => engine.Customers;

    [Fact]
    public async Task Counts_over_http_match_the_population()
    {
        using var http = engine.Host.Http(TestKeys.Integration);

        var byStage = await http.GetFromJsonAsync<JsonElement>("/api/query/customers/count?groupBy=stage", Ct);
        var vipEast = await http.GetFromJsonAsync<JsonElement>("/api/query/customers/count?segment=vip&team=east&groupBy=attribute.region", Ct);
        var tiers = await http.GetFromJsonAsync<JsonElement>("/api/query/customers/count?tier=A,B&rfmGroup=Can't Lose Them&attr.gender=F", Ct);

        Assert.Equal(QueryPopulation.Size, byStage.GetProperty("total").GetInt64());
        Assert.Equal(Groups(SyntheticCustomers.CountBy(Customers, c => [c.Stage])), Groups(byStage));
        var vipEastCustomers = Customers.Where(c => c.SegmentNames.Contains("vip") && c.Team == "east").ToList();
        Assert.Equal(vipEastCustomers.Count, vipEast.GetProperty("total").GetInt64());
        Assert.Equal(Groups(SyntheticCustomers.CountBy(vipEastCustomers, c => [SyntheticCustomers.Attribute(c, "region")!])), Groups(vipEast));
        Assert.Equal(Customers.Count(c => (SyntheticCustomers.InTier(c, "A") || SyntheticCustomers.InTier(c, "B")) && c.RfmGroup == "CantLoseThem"
            && SyntheticCustomers.Attribute(c, "gender") == "f"), tiers.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task A_segments_members_page_through_every_member_once()
    {
        using var http = engine.Host.Http(TestKeys.Supervisor);
        var members = new List<string>();
        string? token = null;
        do
        {
            var page = await http.GetFromJsonAsync<JsonElement>(
                $"/api/query/segments/lapsing/members?stage=Prospect,New,Repeat&pageSize=1000{(token is null ? "" : "&pageToken=" + Uri.EscapeDataString(token))}", Ct);
            var customers = page.GetProperty("customers").EnumerateArray().ToList();
            Assert.True(customers.Count <= 1000);
            members.AddRange(customers.Select(c => c.GetProperty("customerId").GetString()!));
            token = page.GetProperty("nextPageToken").GetString();
        }
        while (token is not null);

        var expected = Customers.Where(c => c.SegmentNames.Contains("lapsing") && c.Stage is "Prospect" or "New" or "Repeat").Select(c => c.CustomerId);
        Assert.Equal(members.Count, members.Distinct().Count());
        Assert.Equal(expected.Order(StringComparer.Ordinal), members.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("ndjson")]
    [InlineData("csv")]
    public async Task An_export_streams_its_first_rows_before_the_server_has_read_the_last(string format)
    {
        long exported = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == EngagementMeter.Name && instrument.Name == CustomerQueries.ExportedRowsMetric) l.EnableMeasurementEvents(instrument);
        };
        // This engine's exports only (its store is in its data folder), not those of tests running beside it.
        listener.SetMeasurementEventCallback<long>((_, rows, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "db.namespace" && tag.Value is string file && file.StartsWith(engine.Host.DataDirectory, StringComparison.Ordinal)) Interlocked.Add(ref exported, rows);
            }
        });
        listener.Start();
        using var http = SmallBufferClient(TestKeys.Integration);

        using var response = await http.GetAsync($"/api/query/customers/export?format={format}", HttpCompletionOption.ResponseHeadersRead, Ct);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        var first = await reader.ReadLineAsync(Ct);
        if (format == "csv") first = await reader.ReadLineAsync(Ct);
        var readWhenTheFirstArrived = Interlocked.Read(ref exported);
        var lines = 1;
        var rest = new List<string>();
        while (await reader.ReadLineAsync(Ct) is { } line)
        {
            lines++;
            if (line.StartsWith("q-000000,", StringComparison.Ordinal) || line.Contains("\"customerId\":\"q-000000\"", StringComparison.Ordinal)) rest.Add(line);
        }

        // A server that read the whole list before answering would have read every row by now.
        Assert.True(readWhenTheFirstArrived < QueryPopulation.Size / 2, $"{readWhenTheFirstArrived} rows were read before the first arrived");
        Assert.Equal(QueryPopulation.Size, lines);
        Assert.Equal(QueryPopulation.Size, Interlocked.Read(ref exported));
        Assert.NotNull(first);
        if (format == "ndjson")
        {
            var row = JsonDocument.Parse(first).RootElement;
            Assert.StartsWith("q-", row.GetProperty("customerId").GetString());
        }
        else
        {
            // The name with a comma and quotes stays one field.
            Assert.Contains("\"Doe, \"\"Jo\"\" 0\"", Assert.Single(rest));
        }
    }

    [Theory]
    [InlineData(TestKeys.Channel, "/api/query/customers/count")]
    [InlineData(TestKeys.Agent, "/api/query/customers/count")]
    [InlineData(TestKeys.Agent, "/api/query/customers")]
    [InlineData(TestKeys.Agent, "/api/query/segments/vip/members")]
    [InlineData(TestKeys.Agent, "/api/query/alerts")]
    [InlineData(TestKeys.Channel, "/api/query/customers/export")]
    [InlineData(TestKeys.Agent, "/api/query/customers/export")]
    [InlineData(TestKeys.Supervisor, "/api/query/customers/export")]
    [InlineData(TestKeys.Supervisor, "/api/query/customers/q-000001/events")]
    [InlineData(QueryEngine.NorthSupervisor, "/api/query/customers/count?team=south")]
    [InlineData(QueryEngine.NorthSupervisor, "/api/query/customers?team=north,west")]
    public async Task Roles_are_refused_where_they_should_be(string key, string path)
    {
        using var http = engine.Host.Http(key);
        using var anonymous = engine.Host.Http(null);

        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync(path, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path, Ct)).StatusCode);
    }

    [Fact]
    public async Task A_supervisor_sees_its_teams_customers_only()
    {
        using var north = engine.Host.Http(QueryEngine.NorthSupervisor);
        using var integration = engine.Host.Http(TestKeys.Integration);
        var southCustomer = Customers.First(c => c.Team == "south").CustomerId;

        var counts = await north.GetFromJsonAsync<JsonElement>("/api/query/customers/count?groupBy=team", Ct);
        var page = await north.GetFromJsonAsync<JsonElement>("/api/query/customers?segment=vip&pageSize=1000", Ct);
        var alerts = await north.GetAsync($"/api/query/alerts?customer={southCustomer}", Ct);

        Assert.Equal(Customers.Count(c => c.Team == "north"), counts.GetProperty("total").GetInt64());
        Assert.Equal("north", Assert.Single(counts.GetProperty("groups").EnumerateArray()).GetProperty("key").GetString());
        Assert.All(page.GetProperty("customers").EnumerateArray(), c => Assert.Equal("north", c.GetProperty("team").GetString()));
        Assert.Equal(HttpStatusCode.Forbidden, alerts.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await integration.GetAsync($"/api/query/alerts?customer={southCustomer}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await integration.GetAsync($"/api/query/customers/{southCustomer}/events", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("/api/query/customers/count?stage=Bogus", "stage")]
    [InlineData("/api/query/customers?tier=D", "tier")]
    [InlineData("/api/query/customers?tier=A/Tin", "tier")]
    [InlineData("/api/query/customers?rfmGroup=Sleepers", "rfmGroup")]
    [InlineData("/api/query/customers?rfmCell=567", "rfmCell")]
    [InlineData("/api/query/customers?pageSize=5000", "pageSize")]
    [InlineData("/api/query/customers?pageSize=ten", "pageSize")]
    [InlineData("/api/query/customers?pageToken=xyz", "pageToken")]
    [InlineData("/api/query/customers/count?groupBy=colour", "groupBy")]
    [InlineData("/api/query/customers/count?attr.region=", "attribute.region")]
    [InlineData("/api/query/customers/export?format=xml", "format")]
    [InlineData("/api/query/customers/q-000001/events?afterSeq=-1", "afterSeq")]
    [InlineData("/api/query/alerts?from=yesterday", "from")]
    [InlineData("/api/query/alerts?kind=Gossip", "kind")]
    public async Task Bad_parameters_are_400_problem_details_naming_the_field(string path, string field)
    {
        using var http = engine.Host.Http(TestKeys.Admin);

        using var response = await http.GetAsync(path, Ct);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task The_grpc_query_service_counts_pages_and_exports()
    {
        var client = new Proto.Query.QueryClient(engine.Host.Client.Channel.Intercept(Key(TestKeys.Integration)));
        var filter = new Proto.CustomerFilter { Teams = { "east" }, Tiers = { "C" } };
        var matching = Customers.Where(c => c.Team == "east" && SyntheticCustomers.InTier(c, "C")).ToList();

        var counts = await client.CountCustomersAsync(new CountCustomersRequest { Filter = filter, GroupBy = "rfm_group" }, cancellationToken: Ct);
        var first = await client.ListCustomersAsync(new ListCustomersRequest { Filter = filter, PageSize = 500 }, cancellationToken: Ct);
        var second = await client.ListCustomersAsync(new ListCustomersRequest { Filter = filter, PageSize = 500, PageToken = first.NextPageToken }, cancellationToken: Ct);
        var exported = new List<string>();
        using (var export = client.ExportCustomers(new ExportCustomersRequest { Filter = filter }, cancellationToken: Ct))
        {
            await foreach (var row in export.ResponseStream.ReadAllAsync(Ct)) exported.Add(row.CustomerId);
        }

        Assert.Equal(matching.Count, counts.Total);
        Assert.Equal(SyntheticCustomers.CountBy(matching, c => [c.RfmGroup ?? ""]).Select(g => (g.Key, g.Count)).Order(),
            counts.Groups.Select(g => (g.Key, g.Count)).Order());
        Assert.Equal(exported.Take(1000), first.Customers.Concat(second.Customers).Select(c => c.CustomerId));
        Assert.Equal(matching.Select(c => c.CustomerId).Order(StringComparer.Ordinal), exported.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_grpc_query_service_refuses_bad_fields_and_other_roles()
    {
        Proto.Query.QueryClient Client(string key) => new(engine.Host.Client.Channel.Intercept(Key(key)));
        async Task<RpcException> Refused(Func<Task> call) => await Assert.ThrowsAsync<RpcException>(call);

        var badStage = await Refused(() => Client(TestKeys.Admin).CountCustomersAsync(
            new CountCustomersRequest { Filter = new Proto.CustomerFilter { Stages = { "Bogus" } } }, cancellationToken: Ct).ResponseAsync);
        var badSize = await Refused(() => Client(TestKeys.Admin).ListCustomersAsync(new ListCustomersRequest { PageSize = 1001 }, cancellationToken: Ct).ResponseAsync);
        var agent = await Refused(() => Client(TestKeys.Agent).CountCustomersAsync(new CountCustomersRequest(), cancellationToken: Ct).ResponseAsync);
        var supervisorEvents = await Refused(() => Client(TestKeys.Supervisor).ListCustomerEventsAsync(
            new ListCustomerEventsRequest { CustomerId = "q-000001" }, cancellationToken: Ct).ResponseAsync);
        var otherTeam = await Refused(() => Client(QueryEngine.NorthSupervisor).ListCustomersAsync(
            new ListCustomersRequest { Filter = new Proto.CustomerFilter { Teams = { "south" } } }, cancellationToken: Ct).ResponseAsync);

        Assert.Equal((StatusCode.InvalidArgument, StatusCode.InvalidArgument), (badStage.StatusCode, badSize.StatusCode));
        Assert.StartsWith("filter.stages:", badStage.Status.Detail);
        Assert.StartsWith("page_size:", badSize.Status.Detail);
        Assert.Equal((StatusCode.PermissionDenied, StatusCode.PermissionDenied, StatusCode.PermissionDenied),
            (agent.StatusCode, supervisorEvents.StatusCode, otherTeam.StatusCode));
        Assert.StartsWith("filter.teams:", otherTeam.Status.Detail);
    }

    private static Func<Metadata, Metadata> Key(string key) => metadata =>
    {
        metadata.Add("authorization", $"Bearer {key}");
        return metadata;
    };

    private static List<(string, long)> Groups(JsonElement counts) =>
        [.. counts.GetProperty("groups").EnumerateArray().Select(g => (g.GetProperty("key").GetString()!, g.GetProperty("count").GetInt64())).Order()];

    private static List<(string, long)> Groups(IEnumerable<Engagement.Storage.GroupCount> counts) => [.. counts.Select(g => (g.Key, g.Count)).Order()];

    /// <summary>A client with a small socket receive buffer, so that what the transport holds of a response is small beside an export.</summary>
    private HttpClient SmallBufferClient(string key)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 32 * 1024 };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var http = new HttpClient(handler) { BaseAddress = engine.Host.WebAddress };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return http;
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;

namespace Engagement.Tests.Hosting;

/// <summary>What an operator sees of the embedded engine: first start, its keys, its configuration errors.</summary>
public sealed class HostingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_first_start_creates_one_key_per_role_in_the_data_folder_and_says_where()
    {
        var temp = Directory.CreateTempSubdirectory("engagement-firststart-").FullName;
        // A folder the engine creates itself (a temp subdirectory is owner-only already).
        var data = Path.Combine(temp, "data");
        try
        {
            var grpc = new Uri($"http://127.0.0.1:{Ports.Free()}");
            await using var engine = await EngineProcess.StartGatewayAsync(
            [
                new("Engagement:DataDirectory", data),
                new("Engagement:Silo:SiloPort", Ports.Free().ToString()),
                new("Engagement:Silo:GatewayPort", Ports.Free().ToString()),
                new("Kestrel:Endpoints:Grpc:Url", grpc.ToString()),
                new("Kestrel:Endpoints:Web:Url", $"http://127.0.0.1:{Ports.Free()}"),
            ]);

            var keysFile = Path.Combine(data, "keys.json");
            // The banner's lines arrive one by one after its first.
            await Wait.UntilAsync(() => Task.FromResult(engine.Output.Contains("  keys  ", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "the banner's keys line");
            Assert.Contains($"keys       {keysFile} (created now", engine.Output, StringComparison.Ordinal);
            Assert.Contains($"data       {data}", engine.Output, StringComparison.Ordinal);
            var keys = JsonSerializer.Deserialize<Dictionary<string, string>>(await File.ReadAllTextAsync(keysFile, Ct))!;
            Assert.Equal(["admin", "agent", "channel", "integration", "supervisor"], keys.Keys.Order());
            Assert.Equal(5, keys.Values.Distinct().Count());
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keysFile));

            using var client = new EngineClient(grpc);
            var customer = $"first-{Guid.NewGuid():N}";
            var ack = await client.Ingest(keys["channel"]).SubmitAsync(Events.Batch(Events.Visit(customer, DateTimeOffset.UtcNow.AddMinutes(-1))), cancellationToken: Ct);
            Assert.Equal(1, ack.Accepted);
            var card = await client.Customers(keys["agent"]).GetAsync(new GetCustomerRequest { CustomerId = customer }, cancellationToken: Ct);
            Assert.Equal(1, card.EventCount);
            var denied = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => client.Ingest(keys["agent"]).SubmitAsync(Events.Batch(Events.Visit(customer, DateTimeOffset.UtcNow)), cancellationToken: Ct).ResponseAsync);
            Assert.Equal(Grpc.Core.StatusCode.PermissionDenied, denied.StatusCode);

            // Issue 15, item 8: personal data is the owner's alone, from the first write: the folder 0700, every
            // database file (and its WAL and shared memory) 0600. They were 755 and 644.
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data));
                var files = Directory.GetFiles(data, "*.db*");
                Assert.Contains(files, f => f.EndsWith("-wal", StringComparison.Ordinal));
                foreach (var file in files) Assert.Equal((file, UnixFileMode.UserRead | UnixFileMode.UserWrite), (file, File.GetUnixFileMode(file)));
            }
        }
        finally
        {
            EngineHost.TryDelete(temp);
        }
    }

    public static TheoryData<string, string, string> BadConfigurations => new()
    {
        { "Engagement:Mode", "Cluster", "ConnectionStrings:Engagement" },
        { "Engagement:Mode", "Galaxy", "Engagement" },
        { "Engagement:Silo:SiloPort", "70000", "SiloPort" },
        { "Engagement:Rules:TimeZone", "Mars/Olympus", "Mars/Olympus" },
        { "Engagement:Rules:Segments:vip", "tier = = A", "vip" },
        { "Engagement:Ingest:MaxEventsPerBatch", "0", "MaxEventsPerBatch" },
        { "Engagement:Keys:0:Role", "janitor", "janitor" },
        { "Engagement:Dashboard:CounterUpdateInterval", "00:00:00.100", "CounterUpdateInterval" },
        // Issue 17: the dedup window is at least the customer's last 10,000 events; a horizon is at least a day.
        { "Engagement:Retention:DedupWindowEvents", "9999", "DedupWindowEvents" },
        { "Engagement:Retention:JournalHorizon", "00:10:00", "JournalHorizon" },
    };

    [Theory]
    [MemberData(nameof(BadConfigurations))]
    public async Task A_bad_configuration_stops_the_process_with_one_clear_line(string key, string value, string named)
    {
        var data = Directory.CreateTempSubdirectory("engagement-badconfig-").FullName;
        try
        {
            var (exitCode, output) = await EngineProcess.RunGatewayToExitAsync([.. StartSettings(data), new(key, value)], TimeSpan.FromSeconds(60));

            Assert.Equal(2, exitCode);
            var errorLines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains("configuration error", StringComparison.Ordinal)).ToList();
            var line = Assert.Single(errorLines);
            Assert.Contains(named, line, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        }
        finally
        {
            EngineHost.TryDelete(data);
        }
    }

    /// <summary>A gateway of its own on free ports, with one key: what a start that should fail needs.</summary>
    private static List<KeyValuePair<string, string>> StartSettings(string data) =>
    [
        new("Engagement:DataDirectory", data),
        new("Kestrel:Endpoints:Grpc:Url", $"http://127.0.0.1:{Ports.Free()}"),
        new("Kestrel:Endpoints:Web:Url", $"http://127.0.0.1:{Ports.Free()}"),
        new("Engagement:Silo:SiloPort", Ports.Free().ToString()),
        new("Engagement:Silo:GatewayPort", Ports.Free().ToString()),
        new("Engagement:Keys:0:Key", "a-key-long-enough-for-this"),
        new("Engagement:Keys:0:Role", "channel"),
    ];

    /// <summary>
    /// Issue 15, item 2: a segment rule nested 100,000 deep (<c>not not … tier = A</c>) in the rules file overflowed the
    /// stack before the configuration was checked, so the process died at every start. Now it is a configuration error.
    /// </summary>
    [Fact]
    public async Task A_rule_nested_a_hundred_thousand_deep_in_the_rules_file_is_a_configuration_error_not_a_crash()
    {
        var data = Directory.CreateTempSubdirectory("engagement-deeprule-").FullName;
        try
        {
            var deep = string.Concat(Enumerable.Repeat("not ", 100_000)) + "tier = A";
            await File.WriteAllTextAsync(Path.Combine(data, "rules.json"),
                $$"""{ "Engagement": { "Rules": { "Segments": { "deep": "{{deep}}" } } } }""", TestContext.Current.CancellationToken);

            var (exitCode, output) = await EngineProcess.RunGatewayToExitAsync(StartSettings(data), TimeSpan.FromSeconds(60));

            Assert.Equal(2, exitCode);
            var line = Assert.Single(output.Split('\n'), l => l.Contains("configuration error", StringComparison.Ordinal));
            Assert.Contains("Segments:deep", line, StringComparison.Ordinal);
            Assert.Contains("longer than", line, StringComparison.Ordinal);
            Assert.True(line.Length < 300, $"one short line, not an echo of the rule: {line.Length} characters");
        }
        finally
        {
            EngineHost.TryDelete(data);
        }
    }
}

/// <summary>Operations endpoints of a running engine: reflection, health, the dashboard.</summary>
public sealed class OperationsTests(EmbeddedEngineFixture engine) : IClassFixture<EmbeddedEngineFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reflection_lists_the_public_services_without_a_key()
    {
        var reflection = new ServerReflection.ServerReflectionClient(engine.Client.Channel);
        using var call = reflection.ServerReflectionInfo(cancellationToken: Ct);
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" }, Ct);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(Ct));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("engagement.v1.Ingest", services);
        Assert.Contains("engagement.v1.Customers", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    [Fact]
    public async Task Health_is_reported_over_grpc_and_http()
    {
        var health = new Health.HealthClient(engine.Client.Channel);
        var status = await health.CheckAsync(new HealthCheckRequest(), cancellationToken: Ct);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, status.Status);

        using var http = new HttpClient { BaseAddress = engine.Host.WebAddress };
        var response = await http.GetAsync("/health", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData(TestKeys.Agent, HttpStatusCode.Forbidden)]
    [InlineData(TestKeys.Supervisor, HttpStatusCode.Forbidden)]
    [InlineData(TestKeys.Admin, HttpStatusCode.OK)]
    public async Task The_orleans_dashboard_is_for_admins_only(string? key, HttpStatusCode expected)
    {
        using var http = new HttpClient { BaseAddress = engine.Host.WebAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var response = await http.SendAsync(request, Ct);
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task The_dashboard_can_be_turned_off_and_the_rest_still_runs()
    {
        await using var quiet = await EngineHost.StartEmbeddedAsync(settings: [new("Engagement:Dashboard:Enabled", "false")]);
        using var http = new HttpClient { BaseAddress = quiet.WebAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestKeys.Admin);
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(request, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health", Ct)).StatusCode);
    }
}

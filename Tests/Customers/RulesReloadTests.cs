using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Engagement.Tests.Customers;

/// <summary>Rules are tuned in the rules file while the engine runs; a bad change is refused and the rules in force stay.</summary>
public sealed class RulesReloadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_changed_threshold_is_used_by_the_next_evaluation_and_an_invalid_change_is_refused_and_logged()
    {
        var data = Directory.CreateTempSubdirectory("engagement-rules-").FullName;
        var rulesFile = Path.Combine(data, "rules.json");
        await File.WriteAllTextAsync(rulesFile, Rules("total_spend > 100"), Ct);
        var logs = new LogCapture();
        var engine = await EngineHost.StartEmbeddedAsync(data,
            [new("Logging:LogLevel:Engagement", "Information")],
            services => services.AddSingleton<ILoggerProvider>(logs));
        try
        {
            var customer = $"rules-{Guid.NewGuid():N}";
            await engine.Client.Ingest().SubmitAsync(Events.Batch(Events.Purchase(customer, 50, DateTimeOffset.UtcNow.AddDays(-1))), cancellationToken: Ct);
            Assert.DoesNotContain("big", await SegmentsAsync(engine, customer));

            await File.WriteAllTextAsync(rulesFile, Rules("total_spend > 10"), Ct);
            await Wait.UntilAsync(async () => (await SegmentsAsync(engine, customer)).Contains("big"), TimeSpan.FromSeconds(30),
                "the card's next evaluation uses the new threshold");
            await Wait.UntilAsync(() => Task.FromResult(logs.Lines.Any(l => l.Contains("Rules reloaded", StringComparison.Ordinal))),
                TimeSpan.FromSeconds(10), "the reload is logged");

            await File.WriteAllTextAsync(rulesFile, Rules("total_spend >> 10"), Ct);
            await Wait.UntilAsync(() => Task.FromResult(logs.Lines.Any(l => l.Contains("Rules change refused", StringComparison.Ordinal))),
                TimeSpan.FromSeconds(30), "the invalid change is refused with a log line");
            var refusal = logs.Lines.First(l => l.Contains("Rules change refused", StringComparison.Ordinal));
            Assert.StartsWith("Error:", refusal, StringComparison.Ordinal);
            Assert.Contains("Segments", refusal, StringComparison.Ordinal);
            Assert.Contains("big", refusal, StringComparison.Ordinal);

            // The rules in force are still the last valid ones.
            await engine.Client.Ingest().SubmitAsync(Events.Batch(Events.Visit(customer, DateTimeOffset.UtcNow.AddMinutes(-1))), cancellationToken: Ct);
            Assert.Contains("big", await SegmentsAsync(engine, customer));
        }
        finally
        {
            await engine.DisposeAsync();
            EngineHost.TryDelete(data);
        }
    }

    /// <summary>
    /// Issue 15, items 2 and 3: while the engine runs, a rule nested 2,000 deep is a refused change (deep nesting
    /// overflowed the stack and killed the process), and the rules file holds rules only: an admin key, an ingest limit, a Kestrel endpoint written
    /// beside the rules are not read (the file created an admin key before).
    /// </summary>
    [Fact]
    public async Task A_rules_file_cannot_crash_the_engine_nor_add_keys_or_change_anything_but_rules()
    {
        var data = Directory.CreateTempSubdirectory("engagement-rules-").FullName;
        var rulesFile = Path.Combine(data, "rules.json");
        const string smuggled = "a-key-smuggled-in-through-the-rules-file";
        var rebound = Ports.Free();
        await File.WriteAllTextAsync(rulesFile, $$"""
            { "Engagement": {
                "Rules": { "Segments": { "big": "total_spend > 10" } },
                "Keys": [ { "Name": "mallory", "Key": "{{smuggled}}", "Role": "admin" } ],
                "Ingest": { "MaxEventsPerBatch": 1 } },
              "Kestrel": { "Endpoints": { "Grpc": { "Url": "http://127.0.0.1:{{rebound}}" } } } }
            """, Ct);
        var logs = new LogCapture();
        var engine = await EngineHost.StartEmbeddedAsync(data,
            [new("Logging:LogLevel:Engagement", "Information")],
            services => services.AddSingleton<ILoggerProvider>(logs));
        try
        {
            using (var mallory = engine.Http(smuggled))
            {
                Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await mallory.GetAsync("/api/demo", Ct)).StatusCode);
            }
            // Nor does it move an endpoint: gRPC stays where the command line put it (the calls below), and nothing listens where the file says.
            using (var probe = new System.Net.Sockets.TcpClient())
            {
                await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(() => probe.ConnectAsync(System.Net.IPAddress.Loopback, rebound, Ct).AsTask());
            }

            // The file's rules are read; its ingest limit is not (a batch of two is accepted whole).
            var customer = $"rules-{Guid.NewGuid():N}";
            var ack = await engine.Client.Ingest().SubmitAsync(Events.Batch(
                Events.Purchase(customer, 50, DateTimeOffset.UtcNow.AddDays(-1)), Events.Visit(customer, DateTimeOffset.UtcNow.AddHours(-1))), cancellationToken: Ct);
            Assert.Equal(2, ack.Accepted);
            Assert.Contains("big", await SegmentsAsync(engine, customer));

            // 2,000 deep fits the rule length limit, so the nesting limit is what refuses it.
            await File.WriteAllTextAsync(rulesFile, Rules(string.Concat(Enumerable.Repeat("not ", 2_000)) + "tier = A"), Ct);
            await Wait.UntilAsync(() => Task.FromResult(logs.Lines.Any(l => l.Contains("Rules change refused", StringComparison.Ordinal))),
                TimeSpan.FromSeconds(30), "the deep rule is refused with a log line");
            Assert.Contains(logs.Lines, l => l.Contains("nested more than", StringComparison.Ordinal));

            // Still running, on the rules in force.
            await engine.Client.Ingest().SubmitAsync(Events.Batch(Events.Visit(customer, DateTimeOffset.UtcNow.AddMinutes(-1))), cancellationToken: Ct);
            Assert.Contains("big", await SegmentsAsync(engine, customer));
        }
        finally
        {
            await engine.DisposeAsync();
            EngineHost.TryDelete(data);
        }
    }

    private static string Rules(string big) => $$"""{ "Engagement": { "Rules": { "Segments": { "big": "{{big}}" } } } }""";

    private static async Task<IReadOnlyList<string>> SegmentsAsync(EngineHost engine, string customer) =>
        (await engine.Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = customer }, cancellationToken: Ct)).Segments;
}

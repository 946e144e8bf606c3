using System.Net;
using System.Net.Http.Json;
using Engagement.Contracts.V1;
using Engagement.Grains.Hosting;
using Engagement.Tests.Console;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Engagement.Tests.Identity;

/// <summary>A merge outlives a restart of the engine (the merged id still lands on its customer), and the unmerge window closes.</summary>
public sealed class MergeDurabilityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_merge_survives_a_restart_and_cannot_be_undone_once_its_window_has_passed()
    {
        var data = Directory.CreateTempSubdirectory("engagement-merge-").FullName;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        KeyValuePair<string, string>[] settings = [.. TestLimits.Configuration(), new("Engagement:Identity:UnmergeWindow", "01:00:00")];
        Task<EngineHost> StartAsync() => EngineHost.StartEmbeddedAsync(data, settings, s => s.AddKeyedSingleton<TimeProvider>(EngagementClock.Key, clock));
        var day = clock.GetUtcNow().AddDays(-30);
        var seen = Events.Purchase("dora", 70, day.AddDays(2));
        try
        {
            await using (var first = await StartAsync())
            {
                await first.Client.SubmitAcceptedAsync(Events.Purchase("carl", 100, day), seen);
                using var admin = first.Http(TestKeys.Admin);
                var merged = await admin.PostAsJsonAsync("/api/customers/carl/merge", new { from = "dora", reason = "one household account" }, Ct);
                Assert.True(merged.IsSuccessStatusCode, await merged.Content.ReadAsStringAsync(Ct));
            }

            await using var second = await StartAsync();
            var later = await second.Client.Ingest().SubmitAsync(Events.Batch(Events.Purchase("dora", 5, day.AddDays(3)), seen), cancellationToken: Ct);
            Assert.Equal((1, 1), (later.Accepted, later.Duplicates));
            var card = await second.Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = "carl" }, cancellationToken: Ct);
            Assert.Equal((175.0, 3), (card.TotalSpend, card.PurchaseCount));

            using var integration = second.Http(TestKeys.Integration);
            clock.Advance(TimeSpan.FromMinutes(61));
            var late = await integration.PostAsJsonAsync("/api/customers/carl/unmerge", new { from = "dora", reason = "too late" }, Ct);
            await ConsoleAssertions.AssertProblemAsync(late, HttpStatusCode.Conflict, "from");
            Assert.Equal("carl", (await second.Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = "dora" }, cancellationToken: Ct)).CustomerId);
        }
        finally
        {
            EngineHost.TryDelete(data);
        }
    }
}

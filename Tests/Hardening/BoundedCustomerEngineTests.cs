using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;

namespace Engagement.Tests.Hardening;

/// <summary>
/// The reproduction of item 1 against the real engine over real gRPC: a flood of profile attributes and
/// detractor answers for one customer. Its card stays readable by a client with gRPC's default limits (4 MB), its
/// profile bounded, an empty value removes an attribute, and its alert carries the name and team, not the profile.
/// </summary>
public sealed class BoundedCustomerEngineTests
{
    private static readonly DateTimeOffset Day = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_flood_of_attributes_leaves_a_card_a_default_client_reads_and_alerts_without_the_profile()
    {
        await using var engine = await EngineHost.StartEmbeddedAsync();
        var customer = $"c-{Guid.NewGuid():N}";
        var ingest = engine.Client.Ingest();
        await engine.Client.SubmitAcceptedAsync(Events.Profile(customer, Day, ("city", "Oslo")));
        for (var update = 0; update < 70; update++)
        {
            var attributes = Enumerable.Range(0, 64).Select(i => ($"a{update}-{i}", new string('x', 1000))).ToArray();
            Assert.Equal(1, (await ingest.SubmitAsync(Events.Batch(Events.Profile(customer, Day.AddMinutes(update + 1), attributes)), cancellationToken: Ct)).Accepted);
        }
        await engine.Client.SubmitAcceptedAsync(
            Events.Profile(customer, Day.AddHours(2), ("name", "Ada Lovelace"), ("region", "north"), ("city", "")),
            Events.Nps(customer, 3, Day.AddHours(3)));
        for (var i = 0; i < 10; i++) await engine.Client.SubmitAcceptedAsync(Events.Nps(customer, 2, Day.AddHours(4 + i)));

        // A client as channels and consoles build it: gRPC's default receive limit of 4 MB.
        using var channel = GrpcChannel.ForAddress(engine.GrpcAddress);
        var headers = new Metadata { { "authorization", $"Bearer {TestKeys.Supervisor}" } };
        var card = await new Contracts.V1.Customers.CustomersClient(channel).GetAsync(new GetCustomerRequest { CustomerId = customer }, headers, cancellationToken: Ct);

        Assert.Equal(200, card.Profile.Count);
        Assert.Equal(("Ada Lovelace", "north"), (card.Profile["name"], card.Profile["region"]));
        Assert.False(card.Profile.ContainsKey("city"));

        var alerts = await new Contracts.V1.Alerts.AlertsClient(channel).ListAsync(new ListAlertsRequest { PageSize = 100 }, headers, cancellationToken: Ct);
        var alert = Assert.Single(alerts.Alerts, a => a.CustomerId == customer);
        Assert.Equal(new Dictionary<string, string> { ["name"] = "Ada Lovelace", ["region"] = "north" }, alert.Context.Profile.ToDictionary());
        Assert.Equal("north", alert.Team);
        Assert.InRange(alert.CalculateSize(), 1, 4096);
    }
}

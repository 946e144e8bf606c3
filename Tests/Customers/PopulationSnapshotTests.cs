using System.Text.Json;
using System.Text.Json.Nodes;
using Engagement.Contracts.Population;
using Engagement.Grains.Population;
using Engagement.Model;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Engagement.Tests.Customers;

/// <summary>
/// Clients read the population (<c>GET /api/population</c>, <c>POST /api/population/refit</c>) as contract records,
/// not as the model's statistics: the JSON they get is the one the model's statistics gave, member for member, and
/// the records reach an Orleans client (a cluster gateway) that knows nothing of the model.
/// </summary>
public sealed class PopulationSnapshotTests
{
    // ASP.NET Core's HTTP JSON defaults; the gateway does not change them.
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static TheoryData<string> Cases => ["fitted", "empty"];

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_snapshot_serves_the_json_the_model_statistics_served(string @case)
    {
        var statistics = Statistics(@case);

        var served = JsonSerializer.SerializeToNode(statistics.ToSnapshot(), Web);
        var before = JsonSerializer.SerializeToNode(statistics, Web);

        Assert.True(JsonNode.DeepEquals(before, served), $"model: {before}\nsnapshot: {served}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_snapshot_crosses_to_an_Orleans_client_unchanged(string @case)
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var snapshot = Statistics(@case).ToSnapshot();

        var received = serializer.Deserialize<PopulationSnapshot>(serializer.SerializeToArray(snapshot));

        Assert.Equal(JsonSerializer.Serialize(snapshot, Web), JsonSerializer.Serialize(received, Web));
    }

    private static PopulationStatistics Statistics(string @case) => @case switch
    {
        "empty" => PopulationStatistics.Empty,
        _ => new PopulationStatistics
        {
            Version = 4,
            AsOf = new DateTimeOffset(1997, 9, 30, 0, 0, 0, TimeSpan.Zero),
            Customers = 2357,
            Purchasers = 2357,
            SampledPurchasers = 2000,
            Rfm = new RfmCuts([12, 40, 95, 180], [1, 1, 2, 4], [15.5, 30, 62.25, 140]),
            Abc = new AbcThresholds(120.5, 40),
            RepeatGapQuantiles = [.. Enumerable.Range(0, 21).Select(k => 3.0 + 1.5 * k)],
            ModelTimeUnitDays = 7,
            BgNbd = new(0.243, 4.414, 0.793, 2.426),
            BgNbdFit = new FitReport(-9582.43, true, 31, "converged: gradient norm 1.2E-007", 2357),
            GammaGamma = new(6.25, 3.74, 15.44),
            GammaGammaFit = new FitReport(null, false, 0, "too few repeat customers; previous parameters kept", 0),
            Counts = new(StringComparer.Ordinal) { ["stage:Loyal"] = 812, ["tier:A"] = 471, ["stage×tier:Loyal×A"] = 300, ["segment:vip"] = 12 },
        },
    };
}

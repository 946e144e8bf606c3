using Engagement.Storage;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engagement.Tests.Storage;

/// <summary>
/// What an agent reads from the customers' digests, on both real stores: the at-risk customers of its teams by money at
/// risk (the worklist), and a search by id, the id's number, name or email prefix, case ignored, bounded.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class DigestQueryTests(TestStores stores)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task At_risk_customers_of_a_team_come_by_expected_loss(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var journal = Open(store);
        journal.RecordDigest(Digest("c1", "AtRisk", "north", clv: 1000, risk: 0.5));
        journal.RecordDigest(Digest("c2", "Lapsed", "north", clv: 4000, risk: 0.9) with { Name = "Ada Lovelace" });
        journal.RecordDigest(Digest("c3", "Loyal", "north", clv: 9000, risk: 0.1));
        journal.RecordDigest(Digest("c4", "AtRisk", "south", clv: 9000, risk: 0.8));
        journal.RecordDigest(Digest("c5", "AtRisk", "north", clv: 100, risk: 0.5));
        await journal.FlushAsync(Ct);

        var north = await journal.AtRiskAsync(["north"], 10, Ct);

        Assert.Equal(["c2", "c1", "c5"], north.Select(c => c.CustomerId));
        Assert.Equal(("Ada Lovelace", "Lapsed", 3600.0, 4000.0, 0.9), (north[0].Name, north[0].Stage, north[0].ExpectedLoss, north[0].Clv, north[0].ChurnRisk));
        Assert.Equal(new DateTimeOffset(DateOnly.FromDayNumber(40), TimeOnly.MinValue, TimeSpan.Zero), north[0].LastPurchaseAt);
        Assert.Equal(["c4", "c2"], (await journal.AtRiskAsync(null, 2, Ct)).Select(c => c.CustomerId));
        Assert.Empty(await journal.AtRiskAsync([], 10, Ct));
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Customers_are_found_by_id_number_name_or_email_prefix(StoreKind kind)
    {
        var store = await stores.CreateAsync(kind, Ct);
        await using var journal = Open(store);
        journal.RecordDigest(Digest("cdnow-1234", "Active", "north", 1, 0));
        journal.RecordDigest(Digest("cdnow-12345", "Active", "north", 1, 0));
        journal.RecordDigest(Digest("web-77", "Active", "north", 1, 0) with { Name = "Ada Lovelace", Email = "Ada.L@Example.com" });
        journal.RecordDigest(Digest("web-78", "Active", "north", 1, 0) with { Name = "Adam Smith" });
        journal.RecordDigest(Digest("web_9", "Active", "north", 1, 0));
        await journal.FlushAsync(Ct);

        async Task<string[]> Found(string text, int limit = 20) => [.. (await journal.SearchAsync(text, limit, Ct)).Select(h => h.CustomerId)];

        Assert.Equal(["cdnow-1234", "cdnow-12345"], await Found("1234"));
        Assert.Equal(["cdnow-12345"], await Found("12345"));
        Assert.Equal(["cdnow-1234", "cdnow-12345"], await Found("CDNOW-12"));
        Assert.Equal(["web-77", "web-78"], await Found("ada"));
        Assert.Equal(["web-77"], await Found("ada lo"));
        Assert.Equal(["web-77"], await Found("ada.l@"));
        Assert.Equal(["web-77", "web-78", "web_9"], await Found("web"));
        // LIKE's wildcards are literal text: "web_" is not "web" and any character.
        Assert.Equal(["web_9"], await Found("web_"));
        Assert.Empty(await Found("%"));
        Assert.Single(await Found("web", limit: 1));
        var hit = (await journal.SearchAsync("web-77", 20, Ct)).Single();
        Assert.Equal(("Ada Lovelace", "Active", "B"), (hit.Name, hit.Stage, hit.Tier));
    }

    private static GroupCommitJournal Open(TestStore store) => new(store.Dialect, maxEntriesPerCommit: 1_000, NullLogger<GroupCommitJournal>.Instance);

    private static CustomerDigest Digest(string customerId, string stage, string team, double clv, double risk) =>
        new(customerId, 10, 40, 3, 120.5, 35.25, stage, "B", "", null, team, null, null, clv, risk);
}

using Engagement.Contracts.Alerts;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engagement.Tests.Query;

/// <summary>
/// One store of each kind holding the same 100,000 synthetic customers, written once for the class through the
/// journal's digest path (the index rows come with them, as from grains).
/// </summary>
public sealed class QueryPopulation : IAsyncLifetime
{
    public const int Size = 100_000;

    private readonly TestStores _stores = new();
    private readonly Dictionary<StoreKind, CustomerQueries> _queries = [];

    public IReadOnlyList<CustomerDigest> Customers { get; } = SyntheticCustomers.Generate(Size);

    public TestStores Stores => _stores;

    public CustomerQueries Queries(StoreKind kind) => _queries[kind];

    public async ValueTask InitializeAsync()
    {
        await _stores.InitializeAsync();
        foreach (var kind in new[] { StoreKind.Sqlite, StoreKind.PostgreSql })
        {
            var store = await _stores.CreateAsync(kind, CancellationToken.None);
            await using var journal = new GroupCommitJournal(store.Dialect, 1000, NullLogger<GroupCommitJournal>.Instance);
            await SyntheticCustomers.WriteAsync(journal, Customers, CancellationToken.None);
            _queries[kind] = new CustomerQueries(store.Dialect, store.Dialect);
        }
    }

    public ValueTask DisposeAsync() => _stores.DisposeAsync();
}

/// <summary>
/// Counts, pages and exports over 100,000 customers on both real stores match a direct computation over the
/// generated population; the index follows a customer's changes; a journal and an alert history page in order.
/// </summary>
public sealed class CustomerQueryTests(QueryPopulation population) : IClassFixture<QueryPopulation>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IReadOnlyList<CustomerDigest> Customers => population.Customers;

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Counts_by_each_dimension_match_the_population(StoreKind kind)
    {
        var queries = population.Queries(kind);
        var all = new CustomerFilter();

        Assert.Equal(QueryPopulation.Size, await queries.CountAsync(all, Ct));
        await AssertGroups(SyntheticCustomers.CountBy(Customers, c => [c.Stage]), queries.CountByAsync(all, CustomerDimension.Stage, cancellationToken: Ct));
        await AssertGroups(SyntheticCustomers.CountBy(Customers, c => [c.Tier]), queries.CountByAsync(all, CustomerDimension.Tier, cancellationToken: Ct));
        await AssertGroups(SyntheticCustomers.CountBy(Customers, c => [c.RfmGroup ?? ""]), queries.CountByAsync(all, CustomerDimension.RfmGroup, cancellationToken: Ct));
        await AssertGroups(SyntheticCustomers.CountBy(Customers, c => [c.RfmCell]), queries.CountByAsync(all, CustomerDimension.RfmCell, cancellationToken: Ct));
        await AssertGroups(SyntheticCustomers.CountBy(Customers, c => [c.Team]), queries.CountByAsync(all, CustomerDimension.Team, cancellationToken: Ct));
        await AssertGroups(SyntheticCustomers.CountBy(Customers, c => c.SegmentNames), queries.CountByAsync(all, CustomerDimension.Segment, cancellationToken: Ct));
        await AssertGroups(SyntheticCustomers.CountBy(Customers, c => [SyntheticCustomers.Attribute(c, "region")!]),
            queries.CountByAsync(all, CustomerDimension.Attribute, "region", cancellationToken: Ct));
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Counts_of_combinations_match_the_population(StoreKind kind)
    {
        var queries = population.Queries(kind);
        (CustomerFilter Filter, Func<CustomerDigest, bool> Matches)[] cases =
        [
            (new() { Stages = ["AtRisk", "Lapsed"], Tiers = ["A"] }, c => c.Stage is "AtRisk" or "Lapsed" && SyntheticCustomers.InTier(c, "A")),
            (new() { Tiers = ["B/Silver"], Teams = ["north"] }, c => c.Tier == "B/Silver" && c.Team == "north"),
            (new() { RfmGroups = ["Champions"], Teams = ["south", "east"] }, c => c.RfmGroup == "Champions" && c.Team is "south" or "east"),
            (new() { RfmCells = ["555", "111"] }, c => c.RfmCell is "555" or "111"),
            (new() { Segments = ["vip"] }, c => c.SegmentNames.Contains("vip")),
            (new() { Segments = ["lapsing", "newsletter"], Stages = ["Loyal"] }, c => c.SegmentNames.Contains("lapsing") && c.SegmentNames.Contains("newsletter") && c.Stage == "Loyal"),
            (new() { Attributes = [new("region", "north")] }, c => SyntheticCustomers.Attribute(c, "region") == "north"),
            (new() { Attributes = [new("region", "east"), new("gender", "f")], Segments = ["vip"], Tiers = ["C"] },
                c => SyntheticCustomers.Attribute(c, "region") == "east" && SyntheticCustomers.Attribute(c, "gender") == "f" && c.SegmentNames.Contains("vip") && SyntheticCustomers.InTier(c, "C")),
            (new() { Attributes = [new("city", "city 7")], Teams = ["west"] }, c => SyntheticCustomers.Attribute(c, "city") == "city 7" && c.Team == "west"),
        ];
        foreach (var (filter, matches) in cases)
        {
            Assert.Equal(Customers.Count(matches), await queries.CountAsync(filter, Ct));
        }
        var vipNorth = new CustomerFilter { Segments = ["vip"], Teams = ["north"] };
        await AssertGroups(SyntheticCustomers.CountBy(Customers.Where(c => c.SegmentNames.Contains("vip") && c.Team == "north"), c => [c.Stage]),
            queries.CountByAsync(vipNorth, CustomerDimension.Stage, cancellationToken: Ct));
        await AssertGroups(SyntheticCustomers.CountBy(Customers.Where(c => c.Stage == "New"), c => c.SegmentNames),
            queries.CountByAsync(new CustomerFilter { Stages = ["New"] }, CustomerDimension.Segment, cancellationToken: Ct));
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Paging_returns_every_member_once_and_the_export_the_same(StoreKind kind)
    {
        var queries = population.Queries(kind);
        (CustomerFilter Filter, Func<CustomerDigest, bool> Matches)[] cases =
        [
            (new() { Tiers = ["B"], Stages = ["Repeat", "Loyal", "AtRisk"] }, c => SyntheticCustomers.InTier(c, "B") && c.Stage is "Repeat" or "Loyal" or "AtRisk"),
            (new() { Segments = ["big_spenders"] }, c => c.SegmentNames.Contains("big_spenders")),
            (new() { Attributes = [new("region", "west")], Teams = ["east"] }, c => SyntheticCustomers.Attribute(c, "region") == "west" && c.Team == "east"),
        ];
        foreach (var (filter, matches) in cases)
        {
            var expected = Customers.Where(matches).Select(c => c.CustomerId).Order(StringComparer.Ordinal).ToList();
            var listed = new List<string>();
            string? token = null;
            var pages = 0;
            do
            {
                var page = await queries.ListAsync(filter, token, 997, Ct);
                Assert.True(page.Customers.Count <= 997);
                listed.AddRange(page.Customers.Select(c => c.CustomerId));
                token = page.Next;
                pages++;
            }
            while (token is not null);

            Assert.Equal(listed.Count, listed.Distinct().Count());
            Assert.Equal(expected, listed.Order(StringComparer.Ordinal));
            Assert.Equal((expected.Count + 996) / 997, pages);
            var exported = new List<string>();
            await foreach (var row in queries.ExportAsync(filter, Ct)) exported.Add(row.CustomerId);
            Assert.Equal(listed, exported);
        }
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task A_row_carries_the_card_fields_of_the_digest(StoreKind kind)
    {
        var digest = Customers[1000];
        var page = await population.Queries(kind).ListAsync(new CustomerFilter { Attributes = [new("city", SyntheticCustomers.Attribute(digest, "city") ?? "none")] }, null, 1000, Ct);
        var row = Assert.Single(page.Customers, r => r.CustomerId == digest.CustomerId);

        Assert.Equal((digest.Name, digest.Stage, digest.Tier, digest.RfmCell, digest.RfmGroup, digest.Team, digest.Clv, digest.ChurnRisk, digest.TotalSpend, digest.PurchaseDays),
            (row.Name, row.Stage, row.Tier, row.RfmCell, row.RfmGroup, row.Team, row.Clv, row.ChurnRisk, row.TotalSpend, row.PurchaseDays));
        Assert.Equal(digest.SegmentNames, row.Segments);
        Assert.Equal(digest.ExpectedLoss, row.ExpectedLoss, 9);
        Assert.Equal(DateOnly.FromDayNumber(digest.LastPurchaseDay!.Value), row.LastPurchase);
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task A_page_token_of_another_query_is_refused_naming_the_field(StoreKind kind)
    {
        var queries = population.Queries(kind);
        var page = await queries.ListAsync(new CustomerFilter { Segments = ["vip"] }, null, 10, Ct);

        var other = await Assert.ThrowsAsync<InvalidQueryException>(() => queries.ListAsync(new CustomerFilter { Stages = ["New"] }, page.Next, 10, Ct));
        var garbage = await Assert.ThrowsAsync<InvalidQueryException>(() => queries.ListAsync(new CustomerFilter(), "not-a-token", 10, Ct));
        var size = await Assert.ThrowsAsync<InvalidQueryException>(() => queries.ListAsync(new CustomerFilter(), null, CustomerQueries.MaxPageSize + 1, Ct));

        Assert.Equal(("pageToken", "pageToken", "pageSize"), (other.Field, garbage.Field, size.Field));
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task The_index_follows_a_customers_segments_attributes_and_rfm_as_they_change(StoreKind kind)
    {
        var store = await population.Stores.CreateAsync(kind, Ct);
        await using var journal = new GroupCommitJournal(store.Dialect, 1000, NullLogger<GroupCommitJournal>.Instance);
        var queries = new CustomerQueries(store.Dialect, store.Dialect);
        var before = new CustomerDigest("c1", 1, 2, 2, 10, 5, "Repeat", "B", "vip,newsletter", null, "north", RfmCell: "345", RfmGroup: "PotentialLoyalist",
            Attributes: CustomerAttributes.Of([("Region", "North"), ("city", "Oslo")]));
        journal.RecordDigest(before);
        await journal.FlushAsync(Ct);
        journal.RecordDigest(before with { Segments = "newsletter,lapsing", RfmCell = "155", RfmGroup = "CantLoseThem",
            Attributes = CustomerAttributes.Of([("region", "South")]) });
        await journal.FlushAsync(Ct);

        async Task<long> Count(CustomerFilter filter) => await queries.CountAsync(filter, Ct);
        Assert.Equal((0, 1, 1), (await Count(new() { Segments = ["vip"] }), await Count(new() { Segments = ["newsletter"] }), await Count(new() { Segments = ["lapsing"] })));
        Assert.Equal((0, 1, 0), (await Count(new() { Attributes = [new("region", "north")] }), await Count(new() { Attributes = [new("region", "south")] }),
            await Count(new() { Attributes = [new("city", "oslo")] })));
        Assert.Equal((0, 1), (await Count(new() { RfmGroups = ["PotentialLoyalist"] }), await Count(new() { RfmCells = ["155"], RfmGroups = ["CantLoseThem"] })));
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task A_customers_journal_pages_in_its_order(StoreKind kind)
    {
        var store = await population.Stores.CreateAsync(kind, Ct);
        await using var journal = new GroupCommitJournal(store.Dialect, 1000, NullLogger<GroupCommitJournal>.Instance);
        var at = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
        await journal.AppendAsync("c1", [.. Enumerable.Range(1, 250).Select(i => new JournalEntry(i, $"e{i}", "visit", "web", at.AddMinutes(i), at.AddMinutes(i), $$"""{"page":"p{{i}}"}"""))], Ct);
        await journal.AppendAsync("c2", [new JournalEntry(1, "other", "visit", "web", at, at, "{}")], Ct);
        var queries = new CustomerQueries(store.Dialect, store.Dialect);

        var seqs = new List<long>();
        long after = 0;
        var pages = 0;
        while (true)
        {
            var page = await queries.EventsAsync("c1", after, 100, Ct);
            seqs.AddRange(page.Events.Select(e => e.Seq));
            pages++;
            if (page.Next is not { } next) break;
            after = next;
        }

        Assert.Equal(Enumerable.Range(1, 250).Select(i => (long)i), seqs);
        Assert.Equal(3, pages);
        var first = (await queries.EventsAsync("c1", 0, 1, Ct)).Events[0];
        Assert.Equal(("e1", "visit", "web", at.AddMinutes(1), """{"page":"p1"}"""), (first.EventId, first.EventType, first.Channel, first.OccurredAt, first.Payload));
    }

    [Theory]
    [MemberData(nameof(TestStores.Kinds), MemberType = typeof(TestStores))]
    public async Task Alert_history_is_found_by_customer_kind_time_and_team_newest_first(StoreKind kind)
    {
        var store = await population.Stores.CreateAsync(kind, Ct);
        var alerts = new SqlAlertStore(store.Dialect);
        var at = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        Alert Make(int i, string customer, AlertKind alertKind, string team) => new()
        {
            AlertId = $"a{i:D3}", Kind = alertKind, CustomerId = customer, Team = team, Title = "t", Context = new AlertContext(),
            RaisedAt = at.AddHours(i), UpdatedAt = at.AddHours(i),
        };
        await alerts.SaveAsync([.. Enumerable.Range(0, 60).Select(i => Make(i, i % 2 == 0 ? "c1" : "c2", i % 3 == 0 ? AlertKind.TierChange : AlertKind.ChurnWarning,
            i % 4 == 0 ? "south" : "north"))], Ct);
        var queries = new CustomerQueries(store.Dialect, store.Dialect);

        async Task<List<string>> All(AlertHistoryFilter filter, int pageSize)
        {
            var ids = new List<string>();
            string? token = null;
            do
            {
                var page = await queries.AlertsAsync(filter, token, pageSize, Ct);
                ids.AddRange(page.Alerts.Select(a => a.AlertId));
                token = page.Next;
            }
            while (token is not null);
            return ids;
        }

        var expected = Enumerable.Range(0, 60).Where(i => i % 2 == 0 && i % 3 == 0 && i >= 6 && i < 48).OrderDescending().Select(i => $"a{i:D3}");
        Assert.Equal(expected, await All(new AlertHistoryFilter { CustomerId = "c1", Kinds = [AlertKind.TierChange], From = at.AddHours(6), To = at.AddHours(48) }, 2));
        Assert.Equal(Enumerable.Range(0, 60).Where(i => i % 4 != 0).OrderDescending().Select(i => $"a{i:D3}"), await All(new AlertHistoryFilter { Teams = ["north"] }, 7));
        Assert.Empty(await All(new AlertHistoryFilter { Teams = [] }, 7));
    }

    private static async Task AssertGroups(IReadOnlyList<GroupCount> expected, Task<IReadOnlyList<GroupCount>> actual) =>
        Assert.Equal(expected.OrderBy(g => g.Key, StringComparer.Ordinal), (await actual).OrderBy(g => g.Key, StringComparer.Ordinal));
}

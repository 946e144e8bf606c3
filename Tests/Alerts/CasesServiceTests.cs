using Engagement.Contracts.V1;
using Engagement.Tests.Console;
using Engagement.Tests.Infrastructure;
using Grpc.Core;

namespace Engagement.Tests.Alerts;

/// <summary>
/// <c>Alerts.ListCases</c> and the pages of <c>Alerts.List</c> through a real gRPC client: team-scoped, true counts,
/// pages that continue where they left off, and bad requests refused naming the field.
/// </summary>
public sealed class CasesServiceTests(CasesEngineFixture engine) : IClassFixture<CasesEngineFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Cases_are_listed_for_the_callers_teams_with_counts_and_pages()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var north = new List<string>();
        for (var i = 0; i < 3; i++) north.Add(await engine.DetractorAsync("north", run));
        await engine.DetractorAsync("south", run);
        var lead = engine.Host.Client.Alerts(CasesEngineFixture.NorthSupervisor);

        var first = await lead.ListCasesAsync(new ListCasesRequest { CustomerIdPrefix = run, PageSize = 2 }, cancellationToken: Ct);
        var second = await lead.ListCasesAsync(new ListCasesRequest { CustomerIdPrefix = run, PageSize = 2, PageToken = first.NextPageToken }, cancellationToken: Ct);

        Assert.Equal(3, first.TotalCases);
        Assert.Equal(3, first.CountsBySeverity.Values.Sum());
        Assert.True(first.AsOfSequence > 0);
        Assert.Equal(north.Order(StringComparer.Ordinal), first.Cases.Concat(second.Cases).Select(c => c.CustomerId).Order(StringComparer.Ordinal));
        Assert.All(first.Cases.Concat(second.Cases), c => Assert.Equal(("north", "SatisfactionDrop"), (c.Team, c.Alerts.Single().Kind)));
        Assert.Equal("", second.NextPageToken);
        var all = await engine.Host.Client.Alerts().ListCasesAsync(new ListCasesRequest { CustomerIdPrefix = run, Sort = "oldest" }, cancellationToken: Ct);
        Assert.Equal(4, all.TotalCases);
        Assert.Equal(all.Cases.Select(c => c.OpenedAt.ToDateTimeOffset()).Order(), all.Cases.Select(c => c.OpenedAt.ToDateTimeOffset()));
    }

    [Fact]
    public async Task Open_alerts_are_listed_a_page_at_a_time_newest_first()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < 3; i++) await engine.DetractorAsync("north", run);
        var client = engine.Host.Client.Alerts(CasesEngineFixture.NorthSupervisor);

        var pages = new List<ListAlertsResponse>();
        var token = "";
        do
        {
            var page = await client.ListAsync(new ListAlertsRequest { PageSize = 2, PageToken = token }, cancellationToken: Ct);
            Assert.True(page.Alerts.Count <= 2);
            pages.Add(page);
            token = page.NextPageToken;
        }
        while (token.Length > 0);

        var sequences = pages.SelectMany(p => p.Alerts).Select(a => a.Sequence).ToList();
        Assert.Equal(sequences.OrderDescending(), sequences);
        Assert.Equal(sequences.Distinct().Count(), sequences.Count);
        Assert.All(pages.SelectMany(p => p.Alerts), a => Assert.Equal("north", a.Team));
        Assert.Equal(3, pages.SelectMany(p => p.Alerts).Count(a => a.CustomerId.StartsWith(run, StringComparison.Ordinal)));
        Assert.True((await client.ListAsync(new ListAlertsRequest(), cancellationToken: Ct)).Alerts.Count <= 50);
    }

    [Fact]
    public async Task Bad_requests_are_refused_naming_the_field()
    {
        var client = engine.Host.Client.Alerts();
        foreach (var (request, field) in new (ListCasesRequest, string)[]
                 {
                     (new() { PageSize = 101 }, "page_size"), (new() { PageSize = -1 }, "page_size"), (new() { Sort = "random" }, "sort"),
                     (new() { Kinds = { "Fire" } }, "kinds"), (new() { Severities = { "Huge" } }, "severities"), (new() { State = "closed" }, "state"),
                     (new() { PageToken = "nonsense" }, "page_token"),
                 })
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => client.ListCasesAsync(request, cancellationToken: Ct).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
            Assert.StartsWith($"{field}: ", refused.Status.Detail);
        }
        foreach (var (request, field) in new (ListAlertsRequest, string)[]
                 {
                     (new() { PageSize = 101 }, "page_size"), (new() { PageSize = -3 }, "page_size"), (new() { PageToken = "x" }, "page_token"),
                 })
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => client.ListAsync(request, cancellationToken: Ct).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
            Assert.StartsWith($"{field}: ", refused.Status.Detail);
        }
        var agent = await Assert.ThrowsAsync<RpcException>(() =>
            engine.Host.Client.Alerts(CasesEngineFixture.Ann).ListCasesAsync(new ListCasesRequest(), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, agent.StatusCode);
    }
}

using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using Engagement.Contracts.Customers;
using Engagement.Gateway.Push;
using Engagement.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.Tests.Push;

/// <summary>
/// The agent hub as an agent's screen uses it: real SignalR clients (JSON and MessagePack) against the
/// real engine, events streamed in over gRPC.
/// </summary>
public sealed class AgentHubTests(EmbeddedEngineFixture engine) : IClassFixture<EmbeddedEngineFixture>
{
    private static readonly DateTimeOffset Day = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewCustomer() => $"c-{Guid.NewGuid():N}";

    public static TheoryData<string> Protocols => ["json", "messagepack"];

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Watching_delivers_the_current_card_then_every_change_in_version_order(string protocol)
    {
        var customer = NewCustomer();
        await Purchase(customer, 0);
        await using var agent = await ConnectAsync(TestKeys.Agent, protocol);

        await agent.WatchAsync(customer);
        var current = await agent.NextAsync();
        Assert.Equal(customer, current.CustomerId);
        Assert.Equal(1, current.Version);
        Assert.Equal(1, current.PurchaseDays);

        for (var day = 1; day <= 10; day++) await Purchase(customer, day);

        var changes = await agent.NextAsync(10);
        Assert.Equal(Enumerable.Range(2, 10).Select(v => (long)v), changes.Select(c => c.Version));
        Assert.All(changes, c => Assert.Equal(customer, c.CustomerId));
        Assert.Equal(11, changes[^1].PurchaseDays);
        Assert.Equal(11m, changes[^1].TotalSpend);
        Assert.Equal(Day.AddDays(10), changes[^1].LastPurchaseAt);
        Assert.NotEmpty(changes[^1].RecentEvents);
    }

    [Fact]
    public async Task A_customer_not_yet_known_sends_its_first_card_with_its_first_event()
    {
        var customer = NewCustomer();
        await using var agent = await ConnectAsync(TestKeys.Agent);

        await agent.WatchAsync(customer);
        await Purchase(customer, 0);

        var first = await agent.NextAsync();
        Assert.Equal(customer, first.CustomerId);
        Assert.Equal(1, first.Version);
    }

    [Fact]
    public async Task The_json_card_has_the_grpc_cards_fields_in_camel_case()
    {
        var customer = NewCustomer();
        await Purchase(customer, 0);
        var url = new Uri(engine.Host.WebAddress, "/hubs/agent");
        await using var connection = new HubConnectionBuilder()
            .WithUrl(url, o => o.AccessTokenProvider = () => Task.FromResult<string?>(TestKeys.Agent))
            .Build();
        var raw = Channel.CreateUnbounded<JsonElement>();
        connection.On<JsonElement>(AgentHub.CardMethod, card => raw.Writer.TryWrite(card));
        await connection.StartAsync(Ct);

        await connection.InvokeAsync("WatchCustomer", customer, Ct);

        using var timeout = Deadline();
        var card = await raw.Reader.ReadAsync(timeout.Token);
        Assert.Equal(customer, card.GetProperty("customerId").GetString());
        Assert.Equal(1, card.GetProperty("version").GetInt64());
        Assert.Equal(1, card.GetProperty("purchaseDays").GetInt32());
        Assert.Equal(1m, card.GetProperty("totalSpend").GetDecimal());
        Assert.Equal(JsonValueKind.Array, card.GetProperty("recentEvents").ValueKind);
        Assert.Equal(JsonValueKind.Object, card.GetProperty("satisfaction").ValueKind);
        Assert.True(card.TryGetProperty("churnRisk", out _));
        Assert.True(card.TryGetProperty("nextBestAction", out _));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Unwatching_stops_the_cards_of_that_customer_and_no_other(string protocol)
    {
        var unwatched = NewCustomer();
        var kept = NewCustomer();
        await Purchase(unwatched, 0);
        await Purchase(kept, 0);
        await using var agent = await ConnectAsync(TestKeys.Agent, protocol);
        await agent.WatchAsync(unwatched);
        await agent.WatchAsync(kept);
        var first = await agent.NextAsync(2);
        Assert.Equal(new[] { unwatched, kept }.Order(), first.Select(c => c.CustomerId).Order());

        await agent.UnwatchAsync(unwatched);
        // Cards reach the client in the order the server wrote them, and the unwatch answered only after its
        // pump ended: from here on, a card of the unwatched customer can only come from a new watch.
        await Purchase(unwatched, 1);
        await Purchase(unwatched, 2);
        await Purchase(kept, 1);

        var keptChange = await agent.NextAsync();
        Assert.Equal((kept, 2L), (keptChange.CustomerId, keptChange.Version));

        // The control: watching again yields the current card (version 3) as the very next card of that
        // customer; the changes to versions 2 and 3 that came while unwatched were never sent.
        await agent.WatchAsync(unwatched);
        var again = await agent.NextAsync();
        Assert.Equal((unwatched, 3L), (again.CustomerId, again.Version));
        await Purchase(unwatched, 3);
        var next = await agent.NextAsync();
        Assert.Equal((unwatched, 4L), (next.CustomerId, next.Version));
    }

    [Fact]
    public async Task Two_connections_watching_one_customer_each_get_every_change_and_one_leaving_does_not_stop_the_other()
    {
        var customer = NewCustomer();
        await Purchase(customer, 0);
        await using var first = await ConnectAsync(TestKeys.Agent);
        await using var second = await ConnectAsync(TestKeys.Supervisor, "messagepack");
        await first.WatchAsync(customer);
        await second.WatchAsync(customer);
        Assert.Equal(1, (await first.NextAsync()).Version);
        Assert.Equal(1, (await second.NextAsync()).Version);

        for (var day = 1; day <= 3; day++) await Purchase(customer, day);
        Assert.Equal([2L, 3L, 4L], (await first.NextAsync(3)).Select(c => c.Version));
        Assert.Equal([2L, 3L, 4L], (await second.NextAsync(3)).Select(c => c.Version));

        var watches = engine.Host.Services.GetRequiredService<AgentWatches>();
        var leaving = first.ConnectionId;
        Assert.Contains(leaving, watches.ConnectionsWatching(customer));
        Assert.Equal([customer], watches.CustomersWatchedBy(leaving));
        await first.DisposeAsync();
        await Wait.UntilAsync(() => Task.FromResult(!watches.ConnectionsWatching(customer).Contains(leaving)), Timeout,
            "the registry forgets the watches of a connection that went away");
        Assert.Empty(watches.CustomersWatchedBy(leaving));

        for (var day = 4; day <= 5; day++) await Purchase(customer, day);
        Assert.Equal([5L, 6L], (await second.NextAsync(2)).Select(c => c.Version));
    }

    [Fact]
    public async Task Watching_twice_is_one_watch()
    {
        var customer = NewCustomer();
        await Purchase(customer, 0);
        await using var agent = await ConnectAsync(TestKeys.Agent);
        await agent.WatchAsync(customer);
        await agent.WatchAsync(customer);
        Assert.Equal(1, (await agent.NextAsync()).Version);

        await Purchase(customer, 1);
        await Purchase(customer, 2);
        // One card per change: a second watch would have sent version 2 (or 1) twice.
        Assert.Equal([2L, 3L], (await agent.NextAsync(2)).Select(c => c.Version));
    }

    [Fact]
    public async Task An_empty_customer_id_is_refused_with_a_clear_message()
    {
        await using var agent = await ConnectAsync(TestKeys.Agent);

        var error = await Assert.ThrowsAsync<HubException>(() => agent.WatchAsync(" "));
        Assert.Contains("customerId: required", error.Message);
        error = await Assert.ThrowsAsync<HubException>(() => agent.UnwatchAsync(""));
        Assert.Contains("customerId: required", error.Message);
    }

    [Theory]
    [InlineData(TestKeys.Agent)]
    [InlineData(TestKeys.Supervisor)]
    [InlineData(TestKeys.Admin)]
    public async Task Agents_supervisors_and_admins_may_watch(string key)
    {
        var customer = NewCustomer();
        await Purchase(customer, 0);
        await using var person = await ConnectAsync(key);

        await person.WatchAsync(customer);
        Assert.Equal(customer, (await person.NextAsync()).CustomerId);
    }

    [Fact]
    public async Task A_key_in_the_access_token_query_parameter_is_accepted_as_browsers_send_it()
    {
        var customer = NewCustomer();
        await Purchase(customer, 0);
        var url = new Uri(engine.Host.WebAddress, $"/hubs/agent?access_token={Uri.EscapeDataString(TestKeys.Agent)}");
        await using var agent = await AgentConnection.StartAsync(new HubConnectionBuilder().WithUrl(url).Build());

        await agent.WatchAsync(customer);
        Assert.Equal(customer, (await agent.NextAsync()).CustomerId);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData(TestKeys.Channel, HttpStatusCode.Forbidden)]
    [InlineData("not-a-key-of-this-engine-0123456789", HttpStatusCode.Unauthorized)]
    public async Task Connecting_without_a_persons_key_is_refused(string? key, HttpStatusCode expected)
    {
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => ConnectAsync(key));
        Assert.Equal(expected, error.StatusCode);
    }

    private async Task Purchase(string customer, int day) =>
        await engine.Client.Ingest().SubmitAsync(Events.Batch(Events.Purchase(customer, 1, Day.AddDays(day))), cancellationToken: Ct);

    private async Task<AgentConnection> ConnectAsync(string? key, string protocol = "json")
    {
        var builder = new HubConnectionBuilder().WithUrl(new Uri(engine.Host.WebAddress, "/hubs/agent"), o =>
        {
            if (key is not null) o.AccessTokenProvider = () => Task.FromResult<string?>(key);
        });
        if (protocol == "messagepack") builder.AddMessagePackProtocol();
        return await AgentConnection.StartAsync(builder.Build());
    }

    private static CancellationTokenSource Deadline()
    {
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(Timeout);
        return deadline;
    }

    /// <summary>A hub connection whose <c>card</c> calls queue up for the test to read with a timeout.</summary>
    private sealed class AgentConnection : IAsyncDisposable
    {
        private readonly HubConnection _connection;
        private readonly Channel<CustomerCard> _cards = Channel.CreateUnbounded<CustomerCard>();

        private AgentConnection(HubConnection connection)
        {
            _connection = connection;
            _connection.On<CustomerCard>(AgentHub.CardMethod, card => _cards.Writer.TryWrite(card));
        }

        public string ConnectionId => _connection.ConnectionId ?? throw new InvalidOperationException("Not connected.");

        public static async Task<AgentConnection> StartAsync(HubConnection connection)
        {
            var agent = new AgentConnection(connection);
            try
            {
                await connection.StartAsync(Ct);
                return agent;
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }

        public Task WatchAsync(string customerId) => _connection.InvokeAsync("WatchCustomer", customerId, Ct);

        public Task UnwatchAsync(string customerId) => _connection.InvokeAsync("UnwatchCustomer", customerId, Ct);

        public async Task<CustomerCard> NextAsync()
        {
            using var deadline = Deadline();
            try
            {
                return await _cards.Reader.ReadAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
                throw new TimeoutException($"No card within {Timeout}.");
            }
        }

        public async Task<List<CustomerCard>> NextAsync(int count)
        {
            var cards = new List<CustomerCard>(count);
            for (var i = 0; i < count; i++) cards.Add(await NextAsync());
            return cards;
        }

        public ValueTask DisposeAsync() => _connection.DisposeAsync();
    }
}

using System.Text.Json.Serialization;
using System.Threading.Channels;
using Engagement.Contracts.Alerts;
using Engagement.Contracts.Customers;
using Engagement.Gateway.Push;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.Tests.Push;

/// <summary>
/// A real SignalR client of one of the engine's hubs, as a screen uses it: its <c>card</c> and
/// <c>alert</c> calls queue up for the test to read, each read with a timeout.
/// </summary>
internal sealed class PushClient : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly HubConnection _connection;
    private readonly Channel<CustomerCard> _cards = Channel.CreateUnbounded<CustomerCard>();
    private readonly Channel<Alert> _alerts = Channel.CreateUnbounded<Alert>();
    private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PushClient(HubConnection connection)
    {
        _connection = connection;
        _connection.On<CustomerCard>(AgentHub.CardMethod, card => _cards.Writer.TryWrite(card));
        _connection.On<Alert>(SupervisorHub.AlertMethod, alert => _alerts.Writer.TryWrite(alert));
        _connection.Closed += error =>
        {
            _closed.TrySetResult(error);
            return Task.CompletedTask;
        };
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public string ConnectionId => _connection.ConnectionId ?? throw new InvalidOperationException("Not connected.");

    /// <summary>The highest alert sequence this client was sent: what it reconnects with.</summary>
    public long LastSequence { get; private set; }

    /// <summary>A connection to <paramref name="hub"/> (with a query string, if any) carrying the key as SignalR's access token.</summary>
    public static HubConnection Build(Uri hub, string? key, string protocol = "json")
    {
        var builder = new HubConnectionBuilder().WithUrl(hub, o =>
        {
            if (key is not null) o.AccessTokenProvider = () => Task.FromResult<string?>(key);
        });
        // The server writes enums as names in both protocols; a JSON client reads them so.
        if (protocol == "messagepack") builder.AddMessagePackProtocol();
        else builder.AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        return builder.Build();
    }

    public static Task<PushClient> ConnectAsync(Uri hub, string? key, string protocol = "json") => StartAsync(Build(hub, key, protocol));

    public static async Task<PushClient> StartAsync(HubConnection connection)
    {
        var client = new PushClient(connection);
        try
        {
            await connection.StartAsync(Ct);
            return client;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public Task WatchAsync(string customerId) => _connection.InvokeAsync("WatchCustomer", customerId, Ct);

    public Task UnwatchAsync(string customerId) => _connection.InvokeAsync("UnwatchCustomer", customerId, Ct);

    public Task<Alert> AcknowledgeAsync(string alertId) => _connection.InvokeAsync<Alert>("Acknowledge", alertId, Ct);

    public Task<Alert> AssignAsync(string alertId, string agentId) => _connection.InvokeAsync<Alert>("Assign", alertId, agentId, Ct);

    public Task<Alert> ResolveAsync(string alertId, string? note) => _connection.InvokeAsync<Alert>("Resolve", alertId, note, Ct);

    public Task<CustomerCard> NextCardAsync() => ReadAsync(_cards, "card");

    public async Task<List<CustomerCard>> NextCardsAsync(int count)
    {
        var cards = new List<CustomerCard>(count);
        for (var i = 0; i < count; i++) cards.Add(await NextCardAsync());
        return cards;
    }

    /// <summary>The next alert about one of <paramref name="customers"/>; alerts of other customers (other tests on a shared engine) are skipped.</summary>
    public async Task<Alert> NextAlertAsync(params string[] customers)
    {
        while (true)
        {
            var alert = await ReadAsync(_alerts, "alert");
            LastSequence = Math.Max(LastSequence, alert.Sequence);
            if (customers.Length == 0 || customers.Contains(alert.CustomerId)) return alert;
        }
    }

    public async Task<List<Alert>> NextAlertsAsync(int count, params string[] customers)
    {
        var alerts = new List<Alert>(count);
        for (var i = 0; i < count; i++) alerts.Add(await NextAlertAsync(customers));
        return alerts;
    }

    /// <summary>Whether an alert was sent that no read has taken yet.</summary>
    public bool HasAlertWaiting => _alerts.Reader.TryPeek(out _);

    /// <summary>The error the connection was closed with (null for a clean close), once it is closed.</summary>
    public Task<Exception?> ClosedAsync() => _closed.Task.WaitAsync(Timeout, Ct);

    private static async Task<T> ReadAsync<T>(Channel<T> channel, string what)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(Timeout);
        try
        {
            return await channel.Reader.ReadAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            throw new TimeoutException($"No {what} within {Timeout}.");
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}

/// <summary>
/// Alerts equal field by field, lists and the profile included: the record's own equality compares
/// those by reference, which a copy that travelled over the wire never is.
/// </summary>
internal sealed class AlertComparer : IEqualityComparer<Alert>
{
    public static readonly AlertComparer Instance = new();

    private static readonly System.Text.Json.JsonSerializerOptions Options = new() { Converters = { new JsonStringEnumConverter() } };

    public bool Equals(Alert? x, Alert? y) => Text(x) == Text(y);

    public int GetHashCode(Alert obj) => Text(obj).GetHashCode(StringComparison.Ordinal);

    private static string Text(Alert? alert) => System.Text.Json.JsonSerializer.Serialize(alert, Options);
}

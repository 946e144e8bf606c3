using System.Text.Json;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Net;

namespace Engagement.Tests.Changes;

/// <summary>
/// The NATS JetStream sink against a real <c>nats-server</c> started here: the stream receives every change of the feed as
/// the same CloudEvent, in sequence order, with the sequence as its message id, and nothing twice across an engine restart.
/// </summary>
public sealed class NatsSinkTests
{
    private static readonly DateTimeOffset Day = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_stream_receives_every_change_once_in_order_with_the_sequence_as_message_id()
    {
        await using var nats = await NatsServer.StartAsync();
        var data = Directory.CreateTempSubdirectory("engagement-nats-engine-").FullName;
        var settings = new Dictionary<string, string>
        {
            ["Engagement:Nats:Url"] = nats.Url,
            ["Engagement:Nats:Stream"] = "CHANGES",
            ["Engagement:Nats:Subject"] = "test.changes",
            ["Engagement:Changes:PollInterval"] = "00:00:00.200",
        };
        await using var client = new NatsClient(nats.Url);
        var jetStream = client.CreateJetStreamContext();
        try
        {
            await using (var engine = await EngineHost.StartEmbeddedAsync(data, settings))
            {
                await engine.Client.SubmitAcceptedAsync([.. Enumerable.Range(0, 4).Select(i => Events.Purchase($"n{i}-{Guid.NewGuid():N}", 25, Day))]);
                await PublishedAsync(engine, jetStream);
            }
            // A restart publishes from the stored cursor: what the stream has is not sent again.
            await using (var engine = await EngineHost.StartEmbeddedAsync(data, settings))
            {
                await engine.Client.SubmitAcceptedAsync(Events.Purchase($"n9-{Guid.NewGuid():N}", 25, Day));
                await PublishedAsync(engine, jetStream);
                // The feed may still grow (an alert relayed, a re-evaluation): compared once both agree, as they must in the end.
                var changes = engine.Services.GetRequiredService<IChangeFeed>();
                IReadOnlyList<Change> feed = [];
                List<(string Subject, string? MsgId, byte[] Data)> messages = [];
                await Wait.UntilAsync(async () =>
                {
                    feed = await changes.ReadAsync(0, [], 10_000, Ct);
                    messages = await ReadStreamAsync(jetStream);
                    return feed.Select(c => c.Sequence.ToString()).SequenceEqual(messages.Select(m => m.MsgId));
                }, TimeSpan.FromSeconds(60), "the stream holding the feed's changes, each once, in order");
                for (var i = 0; i < feed.Count; i++)
                {
                    Assert.Equal($"test.changes.{feed[i].Kind}", messages[i].Subject);
                    var cloudEvent = JsonDocument.Parse(messages[i].Data).RootElement;
                    Assert.Equal(feed[i].Sequence.ToString(), cloudEvent.GetProperty("id").GetString());
                    Assert.Equal($"engagement.v1.{feed[i].Kind}", cloudEvent.GetProperty("type").GetString());
                    Assert.Equal(feed[i].CustomerId, cloudEvent.GetProperty("subject").GetString());
                }
            }
        }
        finally
        {
            EngineHost.TryDelete(data);
        }
    }

    /// <summary>Waits until the stream holds as many messages as the feed has changes; returns the feed.</summary>
    private static async Task<IReadOnlyList<Change>> PublishedAsync(EngineHost engine, INatsJSContext jetStream)
    {
        var feed = engine.Services.GetRequiredService<IChangeFeed>();
        IReadOnlyList<Change> all = [];
        await Wait.UntilAsync(async () =>
        {
            all = await feed.ReadAsync(0, [], 10_000, Ct);
            var stream = await jetStream.GetStreamAsync("CHANGES", cancellationToken: Ct);
            return all.Count > 0 && (long)stream.Info.State.Messages == all.Count;
        }, TimeSpan.FromSeconds(60), "every change in the stream");
        return all;
    }

    private static async Task<List<(string Subject, string? MsgId, byte[] Data)>> ReadStreamAsync(INatsJSContext jetStream)
    {
        var consumer = await jetStream.CreateOrderedConsumerAsync("CHANGES", cancellationToken: Ct);
        var stream = await jetStream.GetStreamAsync("CHANGES", cancellationToken: Ct);
        var messages = new List<(string, string?, byte[])>();
        if (stream.Info.State.Messages == 0) return messages;
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        reading.CancelAfter(TimeSpan.FromSeconds(20));
        await foreach (var message in consumer.ConsumeAsync<byte[]>(cancellationToken: reading.Token))
        {
            messages.Add((message.Subject, message.Headers?["Nats-Msg-Id"].ToString(), message.Data!));
            if (messages.Count == (long)stream.Info.State.Messages) break;
        }
        return messages;
    }
}

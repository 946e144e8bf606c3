using System.ComponentModel.DataAnnotations;
using Engagement.Storage;
using Engagement.Grains.Changes;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Net;

namespace Engagement.Gateway.Changes;

/// <summary>The <c>Engagement:Nats</c> section: the JetStream sink of the change feed, on when <see cref="Url"/> is set.</summary>
public sealed class NatsSinkOptions
{
    public const string Section = "Engagement:Nats";

    /// <summary>The NATS server, e.g. <c>nats://127.0.0.1:4222</c>; empty: no sink.</summary>
    public string? Url { get; set; }

    /// <summary>The JetStream stream the changes go into (created, or its subjects updated, at start).</summary>
    [Required, RegularExpression("^[A-Za-z0-9_-]{1,100}$")]
    public string Stream { get; set; } = "ENGAGEMENT_CHANGES";

    /// <summary>Each change is published on this prefix, a dot and its kind: <c>engagement.changes.stage.changed</c>.</summary>
    [Required, RegularExpression(@"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")]
    public string Subject { get; set; } = "engagement.changes";

    /// <summary>How long to wait before trying again after the server refused or could not be reached.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Changes read and published per round.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 500;
}

/// <summary>
/// Publishes the change feed into a NATS JetStream stream: the same CloudEvents as the webhooks (structured JSON), in sequence
/// order, with the sequence as the message id, so that JetStream drops a message published again after a restart (within
/// the stream's duplicate window). Its cursor is stored like a webhook subscriber's (<c>nats:&lt;stream&gt;</c>) and moves
/// after JetStream acknowledged a batch.
/// </summary>
public sealed partial class NatsSink(IChangeFeed feed, ChangeEvents events, IOptions<NatsSinkOptions> options, IOptions<ChangeFeedOptions> feedOptions,
    TimeProvider clock, ILogger<NatsSink> logger) : BackgroundService
{
    public string CursorName => $"nats:{options.Value.Stream}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        await using var client = new NatsClient(settings.Url!);
        var jetStream = client.CreateJetStreamContext();
        var streamReady = false;
        long? cursor = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!streamReady)
                {
                    await jetStream.CreateOrUpdateStreamAsync(new StreamConfig(settings.Stream, [$"{settings.Subject}.>"]), stoppingToken);
                    streamReady = true;
                }
                cursor ??= await feed.CursorAsync(CursorName, stoppingToken) ?? 0;
                var next = feed.Signal.Next;
                var page = await feed.ReadAsync(cursor.Value, [], settings.BatchSize, stoppingToken);
                if (page.Count == 0)
                {
                    await ChangeSignal.WaitAsync(next, feedOptions.Value.PollInterval, stoppingToken);
                    continue;
                }
                foreach (var change in page)
                {
                    var body = events.Structured(change, out var contentType).ToArray();
                    var ack = await jetStream.PublishAsync($"{settings.Subject}.{change.Kind}", body,
                        headers: new NatsHeaders { ["Content-Type"] = contentType.ToString() },
                        opts: new NatsJSPubOpts { MsgId = change.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                        cancellationToken: stoppingToken);
                    ack.EnsureSuccess();
                }
                await feed.AdvanceAsync(CursorName, page[^1].Sequence, [], stoppingToken);
                cursor = page[^1].Sequence;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogPublishFailed(logger, ex, settings.Url!, settings.Stream);
                cursor = null;
                try
                {
                    await Task.Delay(settings.RetryDelay, clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing changes to NATS {Url}, stream {Stream}, failed; trying again")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string url, string stream);
}

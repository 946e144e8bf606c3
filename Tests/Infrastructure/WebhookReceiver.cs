using System.Net.Mime;
using System.Security.Cryptography;
using System.Text;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Engagement.Tests.Infrastructure;

/// <summary>
/// A webhook subscriber in the test: a real Kestrel server that checks each POST's <c>X-Engagement-Signature</c> against
/// the raw body and reads it with the CloudEvents SDK (one event or a batch). While <see cref="Failing"/> says so for a
/// body, it answers 503 (an outage) or 400 (a rejection) and keeps nothing.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<CloudEvent> _received = [];
    private readonly JsonEventFormatter _formatter = new();
    private int _attempts;
    private int _badSignatures;

    private WebhookReceiver(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public const string Secret = "test-webhook-secret-0123456789";

    public Uri Url { get; }

    /// <summary>The status to answer for a batch of events instead of taking it; null takes it.</summary>
    public Func<IReadOnlyList<CloudEvent>, int?> Failing { get; set; } = _ => null;

    /// <summary>Every POST that arrived, taken or not.</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    public int BadSignatures => Volatile.Read(ref _badSignatures);

    /// <summary>The events taken, in the order they arrived (repeats included).</summary>
    public IReadOnlyList<CloudEvent> Received
    {
        get
        {
            lock (_received) return [.. _received];
        }
    }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var url = new Uri($"http://127.0.0.1:{Ports.Free()}/hooks/crm");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{url.Port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, url);
        app.MapPost(url.AbsolutePath, receiver.ReceiveAsync);
        await app.StartAsync();
        return receiver;
    }

    private async Task<IResult> ReceiveAsync(HttpRequest request)
    {
        Interlocked.Increment(ref _attempts);
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), body));
        if (request.Headers["X-Engagement-Signature"] != expected)
        {
            Interlocked.Increment(ref _badSignatures);
            return Results.StatusCode(StatusCodes.Status401Unauthorized);
        }
        var contentType = new ContentType(request.ContentType!);
        IReadOnlyList<CloudEvent> events = contentType.MediaType switch
        {
            "application/cloudevents+json" => [_formatter.DecodeStructuredModeMessage(body, contentType, null)],
            "application/cloudevents-batch+json" => _formatter.DecodeBatchModeMessage(body, contentType, null),
            _ => [],
        };
        if (events.Count == 0) return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
        if (Failing(events) is { } status) return Results.StatusCode(status);
        lock (_received) _received.AddRange(events);
        return Results.Ok();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

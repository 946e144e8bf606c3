using Engagement.Gateway.Security;
using Engagement.Storage;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Engagement.Gateway.Changes;

/// <summary>The change feed's readers in the gateway: the gRPC watch, the webhooks and the admins' view of them.</summary>
public static class ChangesExtensions
{
    public static void AddChanges(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ChangeEvents>();
        builder.Services.AddOptions<NatsSinkOptions>().BindConfiguration(NatsSinkOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (!string.IsNullOrWhiteSpace(builder.Configuration[$"{NatsSinkOptions.Section}:Url"])) builder.Services.AddHostedService<NatsSink>();
        var subscribers = WebhookSubscriber.Load(builder.Configuration);
        builder.Services.AddSingleton(subscribers);
        if (subscribers.Count == 0) return;
        foreach (var subscriber in subscribers)
        {
            // The pipeline's own attempts are the delivery's: HttpClient's overall timeout would cut the backoff short.
            builder.Services.AddHttpClient(subscriber.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
                .AddResilienceHandler("delivery", pipeline =>
                {
                    if (subscriber.MaxAttempts > 1)
                    {
                        pipeline.AddRetry(new HttpRetryStrategyOptions
                        {
                            MaxRetryAttempts = subscriber.MaxAttempts - 1,
                            BackoffType = DelayBackoffType.Exponential,
                            UseJitter = true,
                            Delay = subscriber.RetryDelay,
                            MaxDelay = subscriber.MaxRetryDelay,
                            // Any failure of the subscriber's, not only the transient ones: a receiver mid-deploy may answer 404.
                            ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
                            {
                                { Exception: OperationCanceledException } => false,
                                { Exception: not null } => true,
                                { Result.IsSuccessStatusCode: false } => true,
                                _ => false,
                            }),
                        });
                    }
                    pipeline.AddTimeout(subscriber.AttemptTimeout);
                });
        }
        builder.Services.AddHostedService<WebhookDispatcher>();
    }

    /// <summary><c>engagement.v1.Changes</c>; the webhooks' state and dead letters for admins under <c>/api/admin/webhooks</c>.</summary>
    public static void MapChanges(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<ChangesService>();
        var admin = app.MapGroup("/api/admin/webhooks").RequireAuthorization(Policies.Admin);
        admin.MapGet("", Subscribers);
        admin.MapGet("/dead-letters", (IChangeFeed feed, long? after, int? limit, CancellationToken cancellationToken) =>
            DeadLetters(feed, null, after, limit, cancellationToken));
        admin.MapGet("/{name}/dead-letters", (IChangeFeed feed, IReadOnlyList<WebhookSubscriber> subscribers, string name, long? after, int? limit,
            CancellationToken cancellationToken) => subscribers.Any(s => s.Name == name)
                ? DeadLetters(feed, name, after, limit, cancellationToken)
                : Task.FromResult(Results.Problem($"No webhook subscriber is named '{name}'.", statusCode: StatusCodes.Status404NotFound)));
    }

    /// <summary>
    /// Each subscriber with its cursor, and the feed's last sequence (the difference is how far behind it is); behind the
    /// retention when changes after its cursor were deleted before delivery (they become a <c>feed.gap</c> dead letter).
    /// </summary>
    private static async Task<IResult> Subscribers(IChangeFeed feed, IReadOnlyList<WebhookSubscriber> subscribers, CancellationToken cancellationToken)
    {
        var last = await feed.LastSequenceAsync(cancellationToken);
        var deletedThrough = await feed.DeletedThroughAsync(cancellationToken);
        var rows = new List<object>();
        foreach (var s in subscribers)
        {
            var cursor = await feed.CursorAsync(s.Name, cancellationToken) ?? 0;
            rows.Add(new { s.Name, Url = s.Url.ToString(), s.Kinds, Cursor = cursor, LastSequence = last, DeletedThrough = deletedThrough,
                BehindRetention = cursor > 0 && cursor < deletedThrough });
        }
        return Results.Ok(rows);
    }

    private static async Task<IResult> DeadLetters(IChangeFeed feed, string? name, long? after, int? limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 1000) return Results.Problem("limit: from 1 to 1000", statusCode: StatusCodes.Status400BadRequest);
        return Results.Ok(await feed.DeadLettersAsync(name, after ?? 0, limit ?? 100, cancellationToken));
    }
}

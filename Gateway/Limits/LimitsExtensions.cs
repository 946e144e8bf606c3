using System.Globalization;
using System.Threading.RateLimiting;
using Engagement.Grains.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Engagement.Gateway.Limits;

/// <summary>Per-key limits (<c>Engagement:Limits</c>): HTTP API requests, gRPC streams, hub connections.</summary>
public static class LimitsExtensions
{
    /// <summary>The HTTP API's limiter: a token bucket per key name, only for <c>/api/*</c>.</summary>
    public static void AddEngagementLimits(this WebApplicationBuilder builder, LimitsOptions limits)
    {
        builder.Services.AddSingleton<KeyQuotas>();
        builder.Services.AddSingleton<StreamLimitInterceptor>();
        builder.Services.AddSingleton<HubConnectionLimitFilter>();
        builder.Services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                !context.Request.Path.StartsWithSegments("/api")
                    ? RateLimitPartition.GetNoLimiter("")
                    : RateLimitPartition.GetTokenBucketLimiter(KeyQuotas.KeyOf(context.User), _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = limits.HttpBurst,
                        TokensPerPeriod = limits.HttpRequestsPerSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    }));
            o.OnRejected = RejectAsync;
        });
    }

    /// <summary>After authentication, so that a request counts against its key.</summary>
    public static void UseEngagementLimits(this IApplicationBuilder app) => app.UseRateLimiter();

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"key '{KeyQuotas.KeyOf(context.User)}' made more requests than its limit (Engagement:Limits:HttpRequestsPerSecond, HttpBurst): retry after {seconds} s",
            },
        });
    }
}

using Engagement.Gateway.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Engagement.Gateway.Demo;

/// <summary>A replay request: a file name listed by <c>GET /api/demo/files</c> and days of data per second.</summary>
public sealed record DemoReplayRequest(string? File, double? Speed);

/// <summary>A simulator request: how many customers, and live events per second.</summary>
public sealed record DemoSimulateRequest(int? Customers, double? EventsPerSecond);

/// <summary>A new speed for the running feed: days of data per second (replay) or events per second (simulator).</summary>
public sealed record DemoSpeedRequest(double? Speed);

/// <summary>
/// The demo feed over HTTP, for admins (the console's demo button): its status, the files it can replay, start a
/// replay or the simulator, change the speed live, stop. One feed at a time: a second start is 409.
/// </summary>
public static class DemoApi
{
    private const double MaxSpeed = 100_000;
    private const int DefaultCustomers = 500;
    private const int MaxCustomers = 100_000;
    private const double DefaultEventsPerSecond = 50;

    public static void MapDemoApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/demo").RequireAuthorization(Policies.Admin);
        group.MapGet("/", (DemoFeed demo) => TypedResults.Ok(demo.Status()));
        group.MapGet("/files", (DemoFeed demo) => TypedResults.Ok(demo.Files()));
        group.MapPost("/replay", Replay);
        group.MapPost("/simulate", Simulate);
        group.MapPut("/speed", Speed);
        group.MapPost("/stop", async (DemoFeed demo) => TypedResults.Ok(await demo.StopAsync()));
    }

    private static Results<Accepted<DemoStatus>, ValidationProblem, ProblemHttpResult> Replay(DemoFeed demo, DemoReplayRequest? request)
    {
        var speed = request?.Speed ?? DemoFeed.DefaultReplaySpeed;
        if (CheckSpeed(speed, "speed") is { } badSpeed) return badSpeed;
        var name = request?.File;
        if (string.IsNullOrWhiteSpace(name)) return Invalid("file", "required: a file name listed by GET /api/demo/files");
        // A name, never a path: the demo reads the files of its folder and nothing else.
        var file = demo.Files().FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal));
        if (file is null) return Invalid("file", $"'{name}' is not a file of the demo folder (see GET /api/demo/files)");
        try
        {
            return Started(demo.StartReplay(file, speed));
        }
        catch (FormatException ex)
        {
            return Invalid("file", ex.Message);
        }
        catch (DemoFeedBusyException ex)
        {
            return Busy(ex);
        }
    }

    private static Results<Accepted<DemoStatus>, ValidationProblem, ProblemHttpResult> Simulate(DemoFeed demo, DemoSimulateRequest? request)
    {
        var customers = request?.Customers ?? DefaultCustomers;
        if (customers is < 1 or > MaxCustomers) return Invalid("customers", $"{customers} is out of range 1..{MaxCustomers}");
        var rate = request?.EventsPerSecond ?? DefaultEventsPerSecond;
        if (CheckSpeed(rate, "eventsPerSecond") is { } badRate) return badRate;
        try
        {
            return Started(demo.StartSimulation(customers, rate));
        }
        catch (DemoFeedBusyException ex)
        {
            return Busy(ex);
        }
    }

    private static Results<Ok<DemoStatus>, ValidationProblem, ProblemHttpResult> Speed(DemoFeed demo, DemoSpeedRequest? request)
    {
        if (request?.Speed is not { } speed) return Invalid("speed", "required: days of data per second (replay) or events per second (simulator)");
        if (CheckSpeed(speed, "speed") is { } badSpeed) return badSpeed;
        try
        {
            return TypedResults.Ok(demo.SetSpeed(speed));
        }
        catch (DemoFeedNotRunningException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "No demo feed is running", detail: ex.Message);
        }
    }

    private static ValidationProblem? CheckSpeed(double speed, string field) =>
        speed > 0 && speed <= MaxSpeed ? null : Invalid(field, $"{speed} must be more than 0 and at most {MaxSpeed}");

    private static Accepted<DemoStatus> Started(DemoStatus status) => TypedResults.Accepted("/api/demo", status);

    private static ProblemHttpResult Busy(DemoFeedBusyException ex) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "A demo feed is already running", detail: ex.Message);

    private static ValidationProblem Invalid(string field, string reason) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [reason] }, detail: $"{field}: {reason}");
}

namespace Engagement.Gateway.Query;

public static class QueryExtensions
{
    /// <summary><c>engagement.v1.Query</c> and the HTTP query API (<c>/api/query</c>).</summary>
    public static void MapQuery(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<QueryService>();
        app.MapQueryApi();
    }
}

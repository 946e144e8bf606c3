using Engagement.Gateway.Api;

namespace Engagement.Gateway.Customers;

public static class CustomersExtensions
{
    /// <summary>The gateway's one feed of card changes, shared by every viewer of a customer (gRPC and SignalR).</summary>
    public static void AddCustomers(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<CardFeed>();
        builder.Services.AddOptions<Security.CustomerReadOptions>().BindConfiguration(Security.CustomerReadOptions.Section);
        builder.Services.AddSingleton<Security.CustomerReadScope>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CardFeed>());
    }

    /// <summary><c>engagement.v1.Customers</c> and the lookup by id, phone or email (<c>/api/customers</c>).</summary>
    public static void MapCustomers(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<CustomersService>();
        app.MapCustomerLookupApi();
    }
}

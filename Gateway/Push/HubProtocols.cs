using System.Text.Json.Serialization;
using Microsoft.AspNetCore.SignalR;

namespace Engagement.Gateway.Push;

/// <summary>
/// How the hubs write cards and alerts: JSON for browsers, MessagePack for the rest. One registration, used by the
/// host and by the tests that check the fields the web console reads against the JSON it is sent.
/// </summary>
public static class HubProtocols
{
    public static ISignalRServerBuilder AddEngagementProtocols(this ISignalRServerBuilder signalR) =>
        // Enums travel as names in JSON too, as SignalR's MessagePack resolver writes them: one contract for both.
        signalR.AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))
            .AddMessagePackProtocol();
}

using System.Net.Http.Headers;

namespace Engagement.Tests.Infrastructure;

/// <summary>Real HTTP clients of a running engine's Web endpoint.</summary>
public static class EngineHttp
{
    /// <summary>A client that sends <paramref name="key"/> as <c>Authorization: Bearer</c> (none when null).</summary>
    public static HttpClient Http(this EngineHost engine, string? key)
    {
        var http = new HttpClient { BaseAddress = engine.WebAddress };
        if (key is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }
}

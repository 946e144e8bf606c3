using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Engagement.Tests.Infrastructure;

namespace Engagement.Tests.Console;

/// <summary>What the console's HTTP answers must look like, checked as the browser reads them (JSON by name).</summary>
public static class ConsoleAssertions
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A problem-details answer whose detail starts with the field at fault (and, for a 400, names it in <c>errors</c>).</summary>
    public static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.StartsWith($"{field}: ", problem.GetProperty("detail").GetString());
        if (status == HttpStatusCode.BadRequest) Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors names {field}");
    }

    /// <summary>Waits until <c>/api/activity</c> counts exactly these accepted events per channel over its window.</summary>
    public static async Task WaitForActivityAsync(HttpClient http, params (string Channel, long Count)[] expected)
    {
        var seen = "";
        await Wait.UntilAsync(async () =>
        {
            var channels = (await http.GetFromJsonAsync<JsonElement>("/api/activity", Ct)).GetProperty("channels");
            var counts = expected.Select(e => (e.Channel, Count: channels.TryGetProperty(e.Channel, out var series) ? series.EnumerateArray().Sum(n => n.GetInt64()) : 0)).ToArray();
            seen = string.Join(", ", counts.Select(c => $"{c.Channel}={c.Count}"));
            return counts.SequenceEqual(expected);
        }, TimeSpan.FromSeconds(30), $"activity counts {string.Join(", ", expected.Select(e => $"{e.Channel}={e.Count}"))} (last seen {seen})");
    }
}

using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Engagement.Tests.Infrastructure;

namespace Engagement.Tests.Metrics;

/// <summary>One sample of a Prometheus scrape: <c>name{labels} value</c>.</summary>
public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string this[string label] => Labels.GetValueOrDefault(label, "");
}

/// <summary>A scrape of <c>/metrics</c>, parsed from the text exposition format (Prometheus 0.0.4 or OpenMetrics 1.0).</summary>
public sealed partial class Scrape(string text, IReadOnlyList<Sample> samples)
{
    /// <summary>What a Prometheus server sends (it prefers OpenMetrics).</summary>
    public const string PrometheusAccept = "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.1,*/*;q=0.05";

    public string Text { get; } = text;

    public IReadOnlyList<Sample> Samples { get; } = samples;

    public IReadOnlySet<string> Names { get; } = samples.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);

    public IEnumerable<Sample> Of(string name, params (string Label, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s[l.Label] == l.Value));

    public double Sum(string name, params (string Label, string Value)[] labels) => Of(name, labels).Sum(s => s.Value);

    /// <summary>Scrapes the engine's Web endpoint as an admin (or with the given Accept header).</summary>
    public static async Task<Scrape> TakeAsync(EngineHost engine, string? accept = null)
    {
        using var http = engine.Http(TestKeys.Admin);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (accept is not null) request.Headers.Accept.ParseAdd(accept);
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    public static Scrape Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var match = SampleLine().Match(line);
            if (!match.Success) throw new FormatException($"Not a sample line: {line}");
            var labels = LabelPair().Matches(match.Groups["labels"].Value)
                .ToDictionary(m => m.Groups[1].Value, m => Regex.Unescape(m.Groups[2].Value), StringComparer.Ordinal);
            samples.Add(new Sample(match.Groups["name"].Value, labels, ParseValue(match.Groups["value"].Value)));
        }
        return new Scrape(text, samples);
    }

    private static double ParseValue(string value) => value switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(value, CultureInfo.InvariantCulture),
    };

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\S+)?\s*$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}

/// <summary>Requests to an engine's endpoints as a scraper makes them.</summary>
public static class ScrapeRequests
{
    /// <summary>GET /metrics on the Web endpoint with a key (none when null); the status code.</summary>
    public static async Task<System.Net.HttpStatusCode> StatusAsync(EngineHost engine, string? key)
    {
        using var http = engine.Http(key);
        using var response = await http.GetAsync("/metrics", TestContext.Current.CancellationToken);
        return response.StatusCode;
    }

    /// <summary>A GET over HTTP/2 without TLS (prior knowledge), as the gRPC endpoint speaks it.</summary>
    public static async Task<HttpResponseMessage> Http2GetAsync(Uri address, string path, string? key)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(address, path))
        {
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }
}

using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Options;

namespace Engagement.Gateway.Metrics;

/// <summary>The scrape endpoint's settings (<c>Engagement:Metrics</c>).</summary>
public sealed class MetricsOptions
{
    public const string Section = "Engagement:Metrics";

    /// <summary>
    /// Networks (CIDR, such as <c>10.0.0.0/8</c>, or single addresses) whose scrapers need no key: a list
    /// (<c>Engagement:Metrics:AllowedNetworks:0</c>, ...) or one comma-separated value. None by default.
    /// </summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>How old the count of open alerts may be before a scrape counts them again in the store.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan OpenAlertsMaxAge { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The allowed networks, parsed; throws <see cref="FormatException"/> naming the first bad entry.</summary>
    public IReadOnlyList<IPNetwork> Networks() =>
    [
        .. AllowedNetworks.SelectMany(entry => entry.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(Parse),
    ];

    private static IPNetwork Parse(string entry)
    {
        if (IPNetwork.TryParse(entry, out var network)) return network;
        if (IPAddress.TryParse(entry, out var address)) return new IPNetwork(address, address.GetAddressBytes().Length * 8);
        throw new FormatException($"AllowedNetworks: '{entry}' is not a network in CIDR notation (such as 10.0.0.0/8) nor an address");
    }
}

[OptionsValidator]
public sealed partial class MetricsOptionsValidator : IValidateOptions<MetricsOptions>;

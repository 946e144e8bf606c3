using System.Text.RegularExpressions;
using Engagement.Grains.Hosting;
using Engagement.Storage;

namespace Engagement.Gateway.Changes;

/// <summary>
/// One webhook subscriber from <c>Engagement:Webhooks:&lt;name&gt;</c>: <c>Url</c>, <c>Secret</c> and <c>Kinds</c> (empty: every kind)
/// are the public contract; <c>MaxAttempts</c>, <c>RetryDelay</c>, <c>MaxRetryDelay</c>, <c>AttemptTimeout</c> and <c>BatchSize</c>
/// tune delivery.
/// </summary>
public sealed partial record WebhookSubscriber(
    string Name, Uri Url, string Secret, IReadOnlyList<string> Kinds, int MaxAttempts, TimeSpan RetryDelay, TimeSpan MaxRetryDelay,
    TimeSpan AttemptTimeout, int BatchSize)
{
    public const string Section = "Engagement:Webhooks";

    /// <summary>Short secrets are guessable: an HMAC is only as strong as its key.</summary>
    public const int MinSecretLength = 16;

    public string HttpClientName => $"engagement-webhook-{Name}";

    /// <summary>Every subscriber configured; a bad one stops the start with one line naming its key.</summary>
    public static IReadOnlyList<WebhookSubscriber> Load(IConfiguration configuration)
    {
        var subscribers = new List<WebhookSubscriber>();
        foreach (var section in configuration.GetSection(Section).GetChildren())
        {
            var key = $"{Section}:{section.Key}";
            if (!NamePattern().IsMatch(section.Key)) throw Bad(key, "a subscriber's name is letters, digits, '.', '_' or '-'");
            if (!Uri.TryCreate(section["Url"], UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                throw Bad($"{key}:Url", "must be an absolute http or https URL");
            }
            var secret = section["Secret"];
            if (string.IsNullOrEmpty(secret) || secret.Length < MinSecretLength) throw Bad($"{key}:Secret", $"must be at least {MinSecretLength} characters");
            // A list (Kinds:0, Kinds:1) or one comma-separated value.
            var kindsSection = section.GetSection("Kinds");
            var texts = kindsSection.Value is { } one ? one.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : kindsSection.GetChildren().Select(c => c.Value ?? "").ToArray();
            var kinds = ChangeKinds.ParseAll(texts, reason => Bad($"{key}:Kinds", reason));
            var maxAttempts = Number(section, key, "MaxAttempts", 10, 1, 1_000_000);
            var retryDelay = Span(section, key, "RetryDelay", TimeSpan.FromSeconds(1));
            var maxRetryDelay = Span(section, key, "MaxRetryDelay", TimeSpan.FromMinutes(5));
            var attemptTimeout = Span(section, key, "AttemptTimeout", TimeSpan.FromSeconds(30));
            var batchSize = Number(section, key, "BatchSize", 100, 1, 1000);
            subscribers.Add(new WebhookSubscriber(section.Key, url, secret, [.. kinds.Distinct()], maxAttempts, retryDelay, maxRetryDelay, attemptTimeout, batchSize));
        }
        return subscribers;
    }

    private static int Number(IConfigurationSection section, string key, string name, int fallback, int min, int max)
    {
        var text = section[name];
        if (text is null) return fallback;
        return int.TryParse(text, out var value) && value >= min && value <= max ? value : throw Bad($"{key}:{name}", $"must be a whole number from {min} to {max}");
    }

    private static TimeSpan Span(IConfigurationSection section, string key, string name, TimeSpan fallback)
    {
        var text = section[name];
        if (text is null) return fallback;
        return TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > TimeSpan.Zero && value <= TimeSpan.FromDays(1)
            ? value : throw Bad($"{key}:{name}", "must be a time span (hh:mm:ss) above zero and at most a day");
    }

    private static EngagementConfigurationException Bad(string key, string reason) => new($"{key}: {reason}.");

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,100}$")]
    private static partial Regex NamePattern();
}

namespace Engagement.Tests.Infrastructure;

/// <summary>The keys every test engine is configured with, one per role.</summary>
public static class TestKeys
{
    public const string Channel = "test-channel-key-0123456789";
    public const string Agent = "test-agent-key-0123456789";
    public const string Supervisor = "test-supervisor-key-0123456789";
    public const string Admin = "test-admin-key-0123456789";
    public const string Integration = "test-integration-key-0123456789";

    public static IEnumerable<KeyValuePair<string, string>> Configuration() =>
        new[] { ("channel", Channel), ("agent", Agent), ("supervisor", Supervisor), ("admin", Admin), ("integration", Integration) }
            .SelectMany((k, i) => new[]
            {
                new KeyValuePair<string, string>($"Engagement:Keys:{i}:Key", k.Item2),
                new KeyValuePair<string, string>($"Engagement:Keys:{i}:Role", k.Item1),
            });
}

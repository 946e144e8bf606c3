namespace Engagement.Tests.Mapping;

internal static class Drift
{
    /// <summary>Fails with every difference, one a line (an assertion on the collection would cut them short).</summary>
    public static void None(IReadOnlyList<string> differences) =>
        Assert.True(differences.Count == 0, $"{differences.Count} difference(s):{Environment.NewLine}{string.Join(Environment.NewLine, differences)}");
}

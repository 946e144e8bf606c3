namespace Engagement.Tests.Infrastructure;

/// <summary>The repository these tests were built from.</summary>
public static class Repository
{
    /// <summary>The folder holding Engagement.sln, above the test output.</summary>
    public static DirectoryInfo Root()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Engagement.sln"))) directory = directory.Parent;
        return directory ?? throw new InvalidOperationException($"No Engagement.sln above {AppContext.BaseDirectory}.");
    }
}

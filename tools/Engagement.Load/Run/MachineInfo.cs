namespace Engagement.Load.Run;

/// <summary>The machine a figure was measured on, as docs/benchmarks.md records it.</summary>
public sealed record MachineInfo(int Processors, string CpuModel, string Memory, string Os, string Runtime)
{
    public static MachineInfo Current() => new(
        Environment.ProcessorCount,
        ReadField("/proc/cpuinfo", "model name") ?? "unknown",
        ReadField("/proc/meminfo", "MemTotal") ?? "unknown",
        System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);

    /// <summary>The value of a "name: value" line of a /proc file, or null.</summary>
    internal static string? ReadField(string path, string name)
    {
        try
        {
            return File.ReadLines(path).Where(l => l.StartsWith(name, StringComparison.Ordinal)).Select(l => l[(l.IndexOf(':') + 1)..].Trim()).FirstOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
    }
}

using System.Globalization;
using System.Runtime.InteropServices;

namespace Engagement.Load.Run;

/// <summary>
/// CPU time (user + system) of processes, read from <c>/proc/&lt;pid&gt;/stat</c> in clock ticks. A process is
/// measured with all its descendants: PostgreSQL is a postmaster and a backend per connection, and
/// <c>dotnet run</c> starts the engine as its child.
/// </summary>
public static class ProcessCpu
{
    private const int ClockTicksName = 2; // _SC_CLK_TCK in glibc and musl

    /// <summary>Clock ticks per second of the utime and stime fields (USER_HZ: 100 on Linux).</summary>
    public static long TicksPerSecond { get; } = ReadTicksPerSecond();

    /// <summary>One process's line of <c>/proc/&lt;pid&gt;/stat</c>, or null when there is no such process (any more).</summary>
    public static ProcessStat? Read(int pid)
    {
        try
        {
            return Parse(File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone between the listing and the read (ESRCH surfaces as a plain IOException), or never there.
            return null;
        }
    }

    /// <summary>Every process on the machine (those that exit while the list is read are left out).</summary>
    public static IReadOnlyList<ProcessStat> ReadAll()
    {
        var all = new List<ProcessStat>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Read(pid) is { } stat) all.Add(stat);
        }
        return all;
    }

    /// <summary>
    /// The CPU ticks of the process trees rooted at <paramref name="roots"/> (each process once, however many roots
    /// hold it). Each process counts its own ticks and those of its children it has reaped: a backend that exits
    /// during a window lands in its parent's cutime/cstime, so the difference of two samples keeps it.
    /// </summary>
    public static CpuSample Sample(IReadOnlyCollection<int> roots)
    {
        var all = ReadAll();
        var byPid = all.ToDictionary(p => p.Pid);
        var children = all.ToLookup(p => p.ParentPid);
        var starts = new Dictionary<int, long>();
        var members = new HashSet<int>();
        var pending = new Stack<int>();
        foreach (var root in roots)
        {
            if (!byPid.TryGetValue(root, out var stat)) continue;
            starts[root] = stat.StartTicks;
            pending.Push(root);
        }
        while (pending.TryPop(out var pid))
        {
            if (!members.Add(pid)) continue;
            foreach (var child in children[pid]) pending.Push(child.Pid);
        }
        return new CpuSample(members.Sum(pid => byPid[pid].TreeTicks), members.Count, starts);
    }

    /// <summary>
    /// Parses a stat line. The command name (field 2) is in parentheses and may itself hold spaces and
    /// parentheses, so the fields are counted from the last ')'.
    /// </summary>
    public static ProcessStat Parse(string line)
    {
        var open = line.IndexOf(" (", StringComparison.Ordinal);
        var close = line.LastIndexOf(')');
        if (open < 0 || close < open) throw new FormatException($"not a /proc/<pid>/stat line: {line}");
        // After the name: state (field 3), ppid (4), ..., utime (14), stime (15), cutime (16), cstime (17), ..., starttime (22).
        var fields = line[(close + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 20) throw new FormatException($"a /proc/<pid>/stat line with {fields.Length + 2} fields: {line}");
        long Field(int number) => long.Parse(fields[number - 3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return new ProcessStat(
            int.Parse(line.AsSpan(0, open), NumberStyles.None, CultureInfo.InvariantCulture),
            (int)Field(4),
            Field(22),
            Field(14) + Field(15),
            Field(16) + Field(17));
    }

    private static long ReadTicksPerSecond()
    {
        try
        {
            return SysConf(ClockTicksName) is var ticks and > 0 ? ticks : 100;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return 100;
        }
    }

    // DllImport rather than LibraryImport: the signature is blittable, so no stub is generated and the tool needs no unsafe code.
    [DllImport("libc", EntryPoint = "sysconf")]
    private static extern nint SysConf(int name);
}

/// <summary>What a run needs of one <c>/proc/&lt;pid&gt;/stat</c> line; ticks are user + system.</summary>
/// <param name="StartTicks">When the process started, in ticks since boot: a pid reused by another process differs here.</param>
/// <param name="OwnTicks">utime + stime: all the process's threads, the exited ones included.</param>
/// <param name="ReapedChildTicks">cutime + cstime: the children it has waited for, with theirs.</param>
public readonly record struct ProcessStat(int Pid, int ParentPid, long StartTicks, long OwnTicks, long ReapedChildTicks)
{
    public long TreeTicks => OwnTicks + ReapedChildTicks;
}

/// <summary>One sample of some process trees: their ticks, how many processes, and each live root's start time.</summary>
public sealed record CpuSample(long Ticks, int Processes, IReadOnlyDictionary<int, long> RootStarts);

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Engagement.Load.Commands;
using Engagement.Load.Run;
using Engagement.Tests.Infrastructure;

namespace Engagement.Tests.Load;

/// <summary>
/// The load tool's CPU meter: /proc/&lt;pid&gt;/stat read right, process trees summed (children that exit in the
/// window included), gone processes reported instead of a figure, and the per-event arithmetic. Bounds only:
/// CPU is positive where work was done and never more than wall time × cores.
/// </summary>
// Alone: one test measures this test process with its children, and the suite's other tests start and stop children
// (PostgreSQL backends, Chromium, engines) of this same process, which would leave the measured tree mid-window.
[Collection(ProcessCpuCollection.Name)]
public sealed class ProcessCpuTests
{
    private static readonly TimeSpan WorkTimeout = TimeSpan.FromSeconds(60);

    // Ticks are whole, and the kernel charges a tick to whoever it interrupts: allow two either side of a figure.
    private static double TickSlack => 2.0 / ProcessCpu.TicksPerSecond;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void A_stat_line_is_read_from_the_last_parenthesis_whatever_the_command_name_holds()
    {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime prio nice threads itreal starttime vsize
        var stat = ProcessCpu.Parse("4242 (a (b) c) S 17 4242 4242 0 -1 4194560 900 0 0 0 30 12 5 3 20 0 9 0 987654 1000000\n");

        Assert.Equal(new ProcessStat(4242, 17, 987654, 42, 8), stat);
        Assert.Equal(50, stat.TreeTicks);
    }

    [Fact]
    public async Task The_tick_rate_is_the_kernels()
    {
        var getconf = await RunToEndAsync("getconf", "CLK_TCK");

        Assert.Equal(long.Parse(getconf, CultureInfo.InvariantCulture), ProcessCpu.TicksPerSecond);
    }

    [Fact]
    public async Task This_process_spinning_shows_its_cpu_and_no_more_than_wall_time_on_every_core()
    {
        var clock = Stopwatch.StartNew();
        var meter = CpuMeter.StartIfAny([Environment.ProcessId])!;
        using var self = Process.GetCurrentProcess();
        var before = self.TotalProcessorTime;

        // Spin until the runtime's own count says this process has spent 300 ms more: a known amount of work.
        var spun = TimeSpan.FromMilliseconds(300);
        var spinning = Task.Run(() =>
        {
            var x = 0UL;
            while (true)
            {
                for (var i = 0; i < 100_000; i++) x = (x * 6364136223846793005UL) + 1442695040888963407UL;
                self.Refresh();
                if (self.TotalProcessorTime - before >= spun) return x;
            }
        }, Ct);
        await spinning.WaitAsync(WorkTimeout, Ct);

        var reading = meter.Stop();
        var wall = clock.Elapsed;
        var report = CpuReport.Create(reading, wall, 1_000, ProcessCpu.TicksPerSecond);
        Assert.Null(report.Problem);
        Assert.InRange(report.CpuSeconds!.Value, spun.TotalSeconds - TickSlack, (wall.TotalSeconds * Environment.ProcessorCount) + TickSlack);
        Assert.InRange(report.Cores!.Value, 0, Environment.ProcessorCount + (TickSlack / wall.TotalSeconds));
        Assert.Equal(report.CpuSeconds.Value * 1e6 / 1_000, report.CpuUsPerAckedEvent!.Value, 6);
    }

    [Fact]
    public async Task A_process_is_measured_with_its_children()
    {
        // The root only waits; its child does all the work.
        using var root = StartShell("sh -c 'while :; do :; done' & wait");
        try
        {
            var rootBefore = ProcessCpu.Read(root.Id)!.Value;
            var clock = Stopwatch.StartNew();
            var meter = CpuMeter.StartIfAny([root.Id])!;
            await Wait.UntilAsync(() => Task.FromResult(ProcessCpu.Sample([root.Id]).Ticks - rootBefore.TreeTicks >= 30), WorkTimeout, "the busy child to spend 0.3 s of CPU");

            var reading = meter.Stop();
            var wall = clock.Elapsed;
            var rootAfter = ProcessCpu.Read(root.Id)!.Value;
            Assert.Null(reading.Problem);
            Assert.Equal(2, reading.Processes);
            Assert.InRange(rootAfter.OwnTicks - rootBefore.OwnTicks, 0, 2);
            Assert.InRange(reading.Ticks!.Value, 25, (wall.TotalSeconds * Environment.ProcessorCount * ProcessCpu.TicksPerSecond) + 2);
        }
        finally
        {
            await KillAsync(root);
        }
    }

    [Fact]
    public async Task A_child_that_exits_inside_the_window_still_counts()
    {
        // A bounded busy child, waited for by the root (so its CPU moves to the root's cutime), then an idle one.
        using var root = StartShell("sh -c 'i=0; while [ $i -lt 1000000 ]; do i=$((i+1)); done'; sleep 600");
        try
        {
            var meter = CpuMeter.StartIfAny([root.Id])!;
            await Wait.UntilAsync(() => Task.FromResult(ProcessCpu.Read(root.Id)!.Value.ReapedChildTicks > 0), WorkTimeout, "the busy child to finish and be reaped");

            var reading = meter.Stop();
            Assert.Null(reading.Problem);
            Assert.True(reading.Ticks > 0, $"the exited child's CPU is in the window: {reading.Ticks} ticks");
        }
        finally
        {
            await KillAsync(root);
        }
    }

    [Fact]
    public async Task A_process_that_exits_during_the_run_gives_no_figure_but_the_reason()
    {
        using var sleeper = StartShell("exec sleep 600");
        var meter = CpuMeter.StartIfAny([Environment.ProcessId, sleeper.Id])!;
        await KillAsync(sleeper);

        var reading = meter.Stop();
        var report = CpuReport.Create(reading, TimeSpan.FromSeconds(10), 1_000, ProcessCpu.TicksPerSecond);

        Assert.Null(reading.Ticks);
        Assert.Equal($"pid {sleeper.Id} exited during the run", report.Problem);
        Assert.Null(report.CpuSeconds);
        Assert.Null(report.CpuUsPerAckedEvent);
    }

    [Fact]
    public async Task A_pid_that_does_not_exist_is_an_option_problem()
    {
        // Above pid_max no process can ever be.
        var pidMax = int.Parse(await File.ReadAllTextAsync("/proc/sys/kernel/pid_max", Ct), CultureInfo.InvariantCulture);

        Assert.Equal([$"--engine-pid {pidMax + 1}: no such process"], CpuMeter.Missing("--engine-pid", [Environment.ProcessId, pidMax + 1]));
        Assert.Null(ProcessCpu.Read(pidMax + 1));
    }

    [Theory]
    [InlineData(250, 5.0, 10_000, 2.5, 0.5, 250.0)]
    [InlineData(1_234, 40.0, 420_000, 12.34, 0.3085, 29.380952)]
    [InlineData(0, 10.0, 5_000, 0.0, 0.0, 0.0)]
    public void Seconds_cores_and_microseconds_per_acknowledged_event(long ticks, double wallSeconds, long acked, double seconds, double cores, double perEvent)
    {
        var report = CpuReport.Create(new CpuReading([7], 1, ticks, null), TimeSpan.FromSeconds(wallSeconds), acked, 100);

        Assert.Equal(seconds, report.CpuSeconds!.Value, 9);
        Assert.Equal(cores, report.Cores!.Value, 6);
        Assert.Equal(perEvent, report.CpuUsPerAckedEvent!.Value, 5);
        // The same window and events as the events/s figure: µs per event × events/s = cores × 10⁶.
        Assert.Equal(report.Cores.Value * 1e6, report.CpuUsPerAckedEvent.Value * (acked / wallSeconds), 3);
    }

    [Fact]
    public void No_acknowledged_events_is_no_per_event_figure()
    {
        var report = CpuReport.Create(new CpuReading([7], 1, 50, null), TimeSpan.FromSeconds(1), 0, 100);

        Assert.Equal(0.5, report.CpuSeconds);
        Assert.Null(report.CpuUsPerAckedEvent);
    }

    [Fact]
    public async Task The_json_report_names_what_matrix_summary_reads()
    {
        var file = new FileInfo(Path.Combine(Path.GetTempPath(), $"engagement-cpu-{Guid.NewGuid():N}.json"));
        try
        {
            await ReportOutput.WriteJsonAsync(CpuReport.Create(new CpuReading([7, 8], 3, 150, null), TimeSpan.FromSeconds(3), 300, 100), file, Ct);

            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(file.FullName, Ct));
            var root = json.RootElement;
            Assert.Equal([7, 8], root.GetProperty("pids").EnumerateArray().Select(p => p.GetInt32()));
            Assert.Equal(3, root.GetProperty("processes").GetInt32());
            Assert.Equal(1.5, root.GetProperty("cpu_seconds").GetDouble());
            Assert.Equal(0.5, root.GetProperty("cores").GetDouble());
            Assert.Equal(5_000, root.GetProperty("cpu_us_per_acked_event").GetDouble());
        }
        finally
        {
            file.Delete();
        }
    }

    private static Process StartShell(string script)
    {
        var start = new ProcessStartInfo("sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        return Process.Start(start) ?? throw new InvalidOperationException("sh did not start");
    }

    private static async Task KillAsync(Process process)
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync(Ct).WaitAsync(WorkTimeout, Ct);
    }

    private static async Task<string> RunToEndAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var output = await process.StandardOutput.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return output.Trim();
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessCpuCollection
{
    public const string Name = "Process CPU, alone";
}

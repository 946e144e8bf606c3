using System.Diagnostics;
using System.Text;

namespace Engagement.Tests.Infrastructure;

/// <summary>
/// A real engine process (the Gateway or the Silo executable, as built next to these tests), so that
/// tests can kill it with SIGKILL and start it again.
/// </summary>
public sealed class EngineProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _readyLine;

    private EngineProcess(Process process, string readyLine)
    {
        _process = process;
        _readyLine = readyLine;
    }

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// The settings of an embedded gateway process on <paramref name="data"/>: free silo ports, the two Kestrel endpoints
    /// (gRPC at <paramref name="grpc"/>) and the test keys; <paramref name="more"/> adds or overrides.
    /// </summary>
    public static List<KeyValuePair<string, string>> EmbeddedSettings(string data, out Uri grpc, params KeyValuePair<string, string>[] more)
    {
        grpc = new Uri($"http://127.0.0.1:{Ports.Free()}");
        return
        [
            new("Engagement:DataDirectory", data),
            new("Engagement:Silo:SiloPort", Ports.Free().ToString()),
            new("Engagement:Silo:GatewayPort", Ports.Free().ToString()),
            new("Kestrel:Endpoints:Grpc:Url", grpc.ToString()),
            new("Kestrel:Endpoints:Web:Url", $"http://127.0.0.1:{Ports.Free()}"),
            .. TestKeys.Configuration(),
            .. more,
        ];
    }

    /// <summary>Starts <c>Engagement.Gateway</c> and returns once it prints that it is running.</summary>
    public static Task<EngineProcess> StartGatewayAsync(IEnumerable<KeyValuePair<string, string>> settings, TimeSpan? timeout = null) =>
        StartAsync("Gateway", "Engagement.Gateway.dll", settings, "Engagement is running", timeout);

    /// <summary>Starts <c>Engagement.Silo</c> and returns once its host has started.</summary>
    public static Task<EngineProcess> StartSiloAsync(IEnumerable<KeyValuePair<string, string>> settings, TimeSpan? timeout = null) =>
        StartAsync("Silo", "Engagement.Silo.dll", settings, "Application started", timeout);

    /// <summary>Runs the gateway expecting it to stop by itself (for example on a bad configuration); returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunGatewayToExitAsync(IEnumerable<KeyValuePair<string, string>> settings, TimeSpan timeout)
    {
        var engine = new EngineProcess(CreateProcess("Gateway", "Engagement.Gateway.dll", settings), "\0never");
        engine.Attach();
        await using (engine)
        {
            await engine._process.WaitForExitAsync().WaitAsync(timeout);
            engine._process.WaitForExit(); // drains the redirected output
            return (engine._process.ExitCode, engine.Output);
        }
    }

    private static async Task<EngineProcess> StartAsync(
        string project, string assembly, IEnumerable<KeyValuePair<string, string>> settings, string readyLine, TimeSpan? timeout)
    {
        var engine = new EngineProcess(CreateProcess(project, assembly, settings), readyLine);
        engine._process.Exited += (_, _) => engine._ready.TrySetException(
            new InvalidOperationException($"{project} exited with code {engine._process.ExitCode}:\n{engine.Output}"));
        engine.Attach();
        try
        {
            await engine._ready.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(90));
        }
        catch (TimeoutException)
        {
            await engine.DisposeAsync();
            throw new TimeoutException($"{project} did not start in time:\n{engine.Output}");
        }
        return engine;
    }

    private void Attach()
    {
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private static Process CreateProcess(string project, string assembly, IEnumerable<KeyValuePair<string, string>> settings)
    {
        var directory = BuildOutput(project);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(directory, assembly));
        foreach (var (key, value) in settings) start.ArgumentList.Add($"--{key}={value}");
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";

        return new Process { StartInfo = start, EnableRaisingEvents = true };
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
        if (line.Contains(_readyLine, StringComparison.Ordinal)) _ready.TrySetResult();
    }

    /// <summary>SIGKILL: no graceful stop, no flush, no deactivation. What was acknowledged must already be durable.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    /// <summary>The build output folder of a project of this repository, in the configuration these tests were built in.</summary>
    public static string BuildOutput(string project)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        var directory = Path.Combine(Repository.Root().FullName, project, "bin", configuration, framework);
        if (!Directory.Exists(directory)) throw new InvalidOperationException($"{directory} does not exist: build the solution first.");
        return directory;
    }
}

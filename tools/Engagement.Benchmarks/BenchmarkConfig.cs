using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Engagement.Benchmarks;

/// <summary>
/// In process: the repository's analyzers treat warnings as errors, which BenchmarkDotNet's generated project
/// would trip over, and the figures here are CPU-bound arithmetic where a separate process adds nothing.
/// Few iterations: the machine is shared and noisy, so the spread is reported rather than averaged away.
/// </summary>
public sealed class ModelConfig : ManualConfig
{
    public ModelConfig()
    {
        AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(15));
        AddDiagnoser(MemoryDiagnoser.Default);
    }
}

/// <summary>A fit takes long enough that a handful of iterations measure it well.</summary>
public sealed class FitConfig : ManualConfig
{
    public FitConfig()
    {
        AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(5)
            .WithInvocationCount(1).WithUnrollFactor(1));
        AddDiagnoser(MemoryDiagnoser.Default);
    }
}

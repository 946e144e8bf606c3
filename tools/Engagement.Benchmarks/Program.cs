using BenchmarkDotNet.Running;
using Engagement.Benchmarks;

// A tool, not a test: without the CDNOW file the fit benchmarks are left out with a clear line, the rest run.
Type[] benchmarks = CdnowFile.Locate() is null
    ? [typeof(CustomerEventBenchmarks)]
    : [typeof(CustomerEventBenchmarks), typeof(CdnowFitBenchmarks)];
if (benchmarks.Length == 1) Console.WriteLine($"skipping the CDNOW fit benchmarks: {CdnowFile.Missing}");

// With no arguments run everything rather than prompt (scripts and CI have no one to answer).
BenchmarkSwitcher.FromTypes(benchmarks).Run(args.Length == 0 ? ["--filter", "*"] : args);

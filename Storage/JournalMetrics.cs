using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Engagement.Storage;

/// <summary>
/// Store instruments on the <c>Engagement</c> meter: how many journal entries, and how many grain states
/// (checkpoints), each group commit carried, and how long it took.
/// </summary>
public static class JournalMetrics
{
    private static readonly Meter Meter = EngagementMeter.Instance;
    private static readonly Histogram<int> EntriesPerCommit = Meter.CreateHistogram<int>(
        "engagement.journal.commit.entries", unit: "{entry}", description: "Journal entries written by one group commit.",
        advice: MetricBuckets.Sizes);
    private static readonly Histogram<double> CommitDuration = Meter.CreateHistogram<double>(
        "engagement.journal.commit.duration", unit: "s", description: "Time to write and commit one journal group.",
        advice: MetricBuckets.Commits);

    private static readonly Histogram<int> StatesPerCommit = Meter.CreateHistogram<int>(
        "engagement.checkpoint.commit.states", unit: "{state}", description: "Grain states (checkpoints) written by one group commit.",
        advice: MetricBuckets.Sizes);
    private static readonly Histogram<double> CheckpointCommitDuration = Meter.CreateHistogram<double>(
        "engagement.checkpoint.commit.duration", unit: "s", description: "Time to write and commit one group of grain states.",
        advice: MetricBuckets.Commits);

    /// <param name="database">Which store (<c>db.system.name</c>, <c>db.namespace</c>: the SQLite file or PostgreSQL database).</param>
    public static void RecordCheckpointCommit(int states, TimeSpan duration, in TagList database)
    {
        StatesPerCommit.Record(states, database);
        CheckpointCommitDuration.Record(duration.TotalSeconds, database);
    }

    public static void RecordCommit(int entries, TimeSpan duration)
    {
        EntriesPerCommit.Record(entries);
        CommitDuration.Record(duration.TotalSeconds);
    }
}

using System.Diagnostics.Metrics;

namespace Engagement.Grains.Storage;

/// <summary>Journal instruments on the <c>Engagement</c> meter: how many entries each commit carried, and how long it took.</summary>
public static class JournalMetrics
{
    public const string MeterName = "Engagement";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Histogram<int> EntriesPerCommit = Meter.CreateHistogram<int>(
        "engagement.journal.commit.entries", unit: "{entry}", description: "Journal entries written by one group commit.");
    private static readonly Histogram<double> CommitDuration = Meter.CreateHistogram<double>(
        "engagement.journal.commit.duration", unit: "s", description: "Time to write and commit one journal group.");

    public static void RecordCommit(int entries, TimeSpan duration)
    {
        EntriesPerCommit.Record(entries);
        CommitDuration.Record(duration.TotalSeconds);
    }
}

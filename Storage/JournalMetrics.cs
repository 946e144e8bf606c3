using System.Diagnostics;

namespace Engagement.Storage;

/// <summary>
/// Store instruments on the <c>Engagement</c> meter: how many journal entries, and how many grain states
/// (checkpoints), each group commit carried, and how long it took.
/// </summary>
public static class JournalMetrics
{
    private static readonly CommitMetrics Journal = new(
        "engagement.journal.commit.entries", "{entry}", "Journal entries written by one group commit.",
        "engagement.journal.commit.duration", "Time to write and commit one journal group.");

    private static readonly CommitMetrics Checkpoints = new(
        "engagement.checkpoint.commit.states", "{state}", "Grain states (checkpoints) written by one group commit.",
        "engagement.checkpoint.commit.duration", "Time to write and commit one group of grain states.");

    /// <param name="database">Which store (<c>db.system.name</c>, <c>db.namespace</c>: the SQLite file or PostgreSQL database).</param>
    public static void RecordCheckpointCommit(int states, TimeSpan duration, in TagList database) => Checkpoints.Record(states, duration, database);

    public static void RecordCommit(int entries, TimeSpan duration) => Journal.Record(entries, duration);
}

using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Engagement.Storage;

/// <summary>
/// The two instruments of one group-commit writer on the <c>Engagement</c> meter: the rows each commit carried, and
/// how long it took to write and commit them.
/// </summary>
public sealed class CommitMetrics(string rowsName, string rowsUnit, string rowsDescription, string durationName, string durationDescription)
{
    private readonly Histogram<int> _rows = EngagementMeter.Instance.CreateHistogram<int>(
        rowsName, unit: rowsUnit, description: rowsDescription, advice: MetricBuckets.Sizes);

    private readonly Histogram<double> _duration = EngagementMeter.Seconds(durationName, durationDescription, MetricBuckets.Commits);

    public void Record(int rows, TimeSpan duration, in TagList tags = default)
    {
        _rows.Record(rows, tags);
        _duration.Record(duration.TotalSeconds, tags);
    }
}

using Engagement.Contracts.Segments;
using Engagement.Grains.Hosting;
using Engagement.Grains.Rules;
using Engagement.Model;
using Engagement.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;

namespace Engagement.Grains.Segments;

/// <summary>
/// Reads and writes the stored segments for the gateways (<see cref="ISegmentsGrain"/>). A write is put in force on this
/// silo before it answers (the reload starts the sweep); the other silos follow at their next look or when the sweep
/// wakes their customers with the new revision.
/// </summary>
[StatelessWorker]
public sealed class SegmentsGrain(
    SqlSegmentStore store,
    SegmentDryRun dryRun,
    SegmentCatalog catalog,
    RulesMonitor rules,
    [FromKeyedServices(EngagementClock.Key)] TimeProvider businessClock) : Grain, ISegmentsGrain
{
    public async Task<SegmentPage> List(string? afterName, int limit)
    {
        var rows = await store.CurrentAsync(afterName, limit + 1);
        var page = rows.Take(limit).Select(Info).ToList();
        return new SegmentPage(page, rows.Count > limit ? page[^1].Name : null);
    }

    public async Task<SegmentHistory?> History(string name)
    {
        var versions = await store.HistoryAsync(name);
        return versions.Count == 0 ? null : new SegmentHistory(Info(versions[0]), [.. versions.Select(Info)]);
    }

    public Task<SegmentWriteResult> Save(string name, string rule, string description, SegmentAuthorInfo author, int? expectedVersion) =>
        WriteAsync(name, rule, description, author, expectedVersion);

    public Task<SegmentWriteResult> Remove(string name, SegmentAuthorInfo author, int? expectedVersion) =>
        WriteAsync(name, null, "", author, expectedVersion);

    public async Task<SegmentDryRunResult> DryRun(string rule)
    {
        var current = rules.Current;
        var count = await dryRun.CountAsync(SegmentParser.Parse(rule), current.GetCalendar().DayOf(businessClock.GetUtcNow()), current.Stages);
        return new SegmentDryRunResult(count.Matching, count.Examined, count.TraitsNotStored);
    }

    private async Task<SegmentWriteResult> WriteAsync(string name, string? rule, string description, SegmentAuthorInfo author, int? expectedVersion)
    {
        var written = await store.WriteAsync(name, rule, description, new SegmentAuthor(author.Name, author.Role), expectedVersion);
        if (written.Status == SegmentWriteStatus.Saved) await catalog.EnsureAsync(await store.RevisionAsync());
        var outcome = written.Status switch
        {
            SegmentWriteStatus.Saved => SegmentWriteOutcome.Saved,
            SegmentWriteStatus.Unchanged => SegmentWriteOutcome.Unchanged,
            SegmentWriteStatus.Conflict => SegmentWriteOutcome.Conflict,
            _ => SegmentWriteOutcome.NotFound,
        };
        return new SegmentWriteResult(outcome, written.Current is { } current ? Info(current) : null);
    }

    private static SegmentInfo Info(SegmentVersion v) => new(v.Name, v.Version, v.Rule, v.Description, v.Source, v.ChangedBy, v.Role, v.ChangedAt);
}

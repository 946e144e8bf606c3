using Engagement.Feeds;
using Engagement.Feeds.Replay;
using Microsoft.Extensions.Time.Testing;

namespace Engagement.Tests.Demo;

/// <summary>The CDNOW-format reader and the replay plan: layouts, order, ids, rebasing, batches by day.</summary>
public sealed class ReplayPlanTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("engagement-replay-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public void The_master_layout_is_read_with_its_header_and_the_sample_layout_without()
    {
        var master = Write("master.txt", " customer_id  date number_of_cds  dollar_value", " 00001 19970101  1   11.77", "", " 00002 19970112  2   12.00");
        var sample = Write("sample.txt", " 00004 0001 19970101  2   29.33", " 00004 0001 19970118  2   29.73");

        Assert.Equal(
            [new Transaction("00001", new DateOnly(1997, 1, 1), 1, 11.77m), new Transaction("00002", new DateOnly(1997, 1, 12), 2, 12.00m)],
            TransactionFile.Read(master));
        Assert.Equal(
            [new Transaction("00004", new DateOnly(1997, 1, 1), 2, 29.33m), new Transaction("00004", new DateOnly(1997, 1, 18), 2, 29.73m)],
            TransactionFile.Read(sample));
    }

    [Theory]
    [InlineData(" 00001 19970101 1")]
    [InlineData(" 00001 1997-01-01 1 11.77")]
    [InlineData(" 00001 19970101 one 11.77")]
    [InlineData(" 00001 19970101 1 $11")]
    public void A_bad_line_is_an_error_naming_the_file_and_line(string bad)
    {
        var path = Write("bad.txt", " 00001 19970101  1   11.77", bad);

        var error = Assert.Throws<FormatException>(() => TransactionFile.Read(path).ToList());
        Assert.StartsWith($"{path}:2:", error.Message);
    }

    [Fact]
    public async Task Events_go_in_date_order_with_ids_from_the_transaction_one_backfill_batch_per_day()
    {
        var path = Write("mini.txt", " 00001 19970103 1 15.00", " 00002 19970101 2 20.00", " 00003 19970103 1 9.99", " 00001 19970101 1 11.77");
        var plan = ReplayPlan.Load(path, new ReplayOptions());

        var batches = await ReadAllAsync(plan);

        Assert.Equal(4, plan.Total);
        Assert.Equal([new DateOnly(1997, 1, 1), new DateOnly(1997, 1, 3)], batches.Select(b => b.DataDay!.Value));
        Assert.Equal(
            ["cdnow-00002-19970101-2-20.00-1", "cdnow-00001-19970101-1-11.77-1", "cdnow-00001-19970103-1-15.00-1", "cdnow-00003-19970103-1-9.99-1"],
            batches.SelectMany(b => b.Batch.Events).Select(e => e.EventId));
        Assert.All(batches, b => Assert.True(b.Batch.Backfill, "a replay is a backfill"));
        Assert.All(batches, b => Assert.All(b.Batch.Events, e => Assert.Equal(e.EventId, e.Purchase.OrderId)));
        var first = batches[0].Batch.Events[0];
        Assert.Equal("cdnow-00002", first.CustomerId);
        Assert.Equal(20.00, first.Purchase.Amount);
        Assert.Equal(new DateTimeOffset(1997, 1, 1, 12, 0, 0, TimeSpan.Zero), first.OccurredAt.ToDateTimeOffset());
    }

    /// <summary>
    /// CDNOW's sample file holds some of its master's lines in another layout: the same transaction gets the same
    /// event id from either file (so a second replay counts duplicates), and identical lines of one customer and day
    /// stay distinct purchases by their ordinal.
    /// </summary>
    [Fact]
    public async Task The_same_transaction_has_the_same_event_id_in_the_master_and_the_sample_layout()
    {
        var master = Write("CDNOW_master.txt", " customer_id  date number_of_cds  dollar_value",
            " 00004 19970101  2   29.33", " 00004 19970101  2   29.33", " 00004 19970118  2   29.73", " 00005 19970101  1   11.7");
        var sample = Write("CDNOW_sample.txt", " 00004 0001 19970101  2   29.33", " 00004 0001 19970101  2   29.33", " 00004 0001 19970118  2   29.73");

        var masterIds = (await ReadAllAsync(ReplayPlan.Load(master, new ReplayOptions()))).SelectMany(b => b.Batch.Events).Select(e => e.EventId).ToList();
        var sampleIds = (await ReadAllAsync(ReplayPlan.Load(sample, new ReplayOptions()))).SelectMany(b => b.Batch.Events).Select(e => e.EventId).ToList();

        Assert.Equal(["cdnow-00004-19970101-2-29.33-1", "cdnow-00004-19970101-2-29.33-2", "cdnow-00005-19970101-1-11.70-1", "cdnow-00004-19970118-2-29.73-1"], masterIds);
        Assert.Equal(["cdnow-00004-19970101-2-29.33-1", "cdnow-00004-19970101-2-29.33-2", "cdnow-00004-19970118-2-29.73-1"], sampleIds);
        Assert.Subset(masterIds.ToHashSet(), sampleIds.ToHashSet());
    }

    [Fact]
    public async Task Until_keeps_the_days_up_to_it_and_the_batch_size_splits_a_day()
    {
        var path = Write("split.txt", " 00001 19970101 1 1", " 00002 19970101 1 2", " 00003 19970101 1 3", " 00004 19970102 1 4");
        var plan = ReplayPlan.Load(path, new ReplayOptions { Until = new DateOnly(1997, 1, 1), BatchSize = 2, CustomerPrefix = "x-" });

        var batches = await ReadAllAsync(plan);

        Assert.Equal([2, 1], batches.Select(b => b.Batch.Events.Count));
        Assert.All(batches.SelectMany(b => b.Batch.Events), e => Assert.StartsWith("x-", e.CustomerId));
        Assert.Equal(3, plan.Total);
    }

    [Fact]
    public async Task Rebasing_moves_the_last_day_to_today_and_keeps_the_gaps()
    {
        var path = Write("rebase.txt", " 00001 19970101 1 10", " 00001 19980630 1 20");
        var afternoon = new DateTimeOffset(2026, 11, 23, 15, 30, 0, TimeSpan.Zero);
        var plan = ReplayPlan.Load(path, new ReplayOptions { RebaseTo = afternoon });

        var times = (await ReadAllAsync(plan)).SelectMany(b => b.Batch.Events).Select(e => e.OccurredAt.ToDateTimeOffset()).ToList();

        Assert.Equal(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero), times[1]);
        Assert.Equal(times[1].AddDays(-(new DateOnly(1998, 6, 30).DayNumber - new DateOnly(1997, 1, 1).DayNumber)), times[0]);
        Assert.Equal(new DateOnly(2026, 11, 23).DayNumber - new DateOnly(1998, 6, 30).DayNumber, plan.RebaseDays);
    }

    [Fact]
    public void Rebased_in_the_morning_the_last_day_is_not_in_the_future()
    {
        var path = Write("morning.txt", " 00001 19970101 1 10");
        var morning = new DateTimeOffset(2026, 11, 23, 8, 15, 0, TimeSpan.Zero);

        var plan = ReplayPlan.Load(path, new ReplayOptions { RebaseTo = morning });

        Assert.Equal(morning, plan.OccurredAt(new DateOnly(1997, 1, 1)));
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero), plan.OccurredAt(new DateOnly(1996, 12, 31)));
    }

    [Fact]
    public async Task The_pace_replans_at_once_when_the_speed_changes()
    {
        var clock = new FakeTimeProvider();
        var pace = new FeedPace(1, clock);
        await pace.WaitUntilAsync(0, Ct); // the first position starts the clock

        var waiting = pace.WaitUntilAsync(2, Ct);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(waiting.IsCompleted);

        pace.Speed = 2; // at position 1: one more unit is half a second now
        clock.Advance(TimeSpan.FromSeconds(0.5));
        await waiting.WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }

    private string Write(string name, params string[] lines)
    {
        var path = Path.Combine(_folder.FullName, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private static async Task<List<FeedBatch>> ReadAllAsync(ReplayPlan plan)
    {
        var batches = new List<FeedBatch>();
        await foreach (var batch in plan.ReadAsync(new FeedPace(0, TimeProvider.System), Ct)) batches.Add(batch);
        return batches;
    }
}

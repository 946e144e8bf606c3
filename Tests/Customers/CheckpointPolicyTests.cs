using Engagement.Grains.Customers;
using Engagement.Grains.Hosting;

namespace Engagement.Tests.Customers;

/// <summary>When a customer writes its checkpoint: every so many events, once after a jittered delay, on deactivation.</summary>
public sealed class CheckpointPolicyTests
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(2);

    /// <summary>Events applied per call, with every how many a write is due; which calls make it due.</summary>
    public static TheoryData<int, int[], bool[]> Applied => new()
    {
        { 3, [1, 1, 1], [false, false, true] },
        { 3, [5], [true] },
        { 1, [1, 1], [true, true] },
        { 256, [100, 100, 55, 1], [false, false, false, true] },
    };

    [Theory]
    [MemberData(nameof(Applied))]
    public void A_write_is_due_once_enough_events_are_unsaved(int everyEvents, int[] batches, bool[] due)
    {
        var policy = Policy(everyEvents);
        Assert.Equal(due, batches.Select(policy.Applied));
        Assert.Equal(batches.Sum(), policy.UnsavedEvents);
    }

    [Fact]
    public void A_written_checkpoint_starts_the_count_again()
    {
        var policy = Policy(everyEvents: 3);
        policy.Applied(2);
        policy.Saved(version: 2);
        Assert.Equal(0, policy.UnsavedEvents);
        Assert.False(policy.Applied(2));
        Assert.True(policy.Applied(1));
    }

    [Fact]
    public void Events_replayed_on_activation_count_as_unsaved()
    {
        var policy = Policy(everyEvents: 3);
        policy.Activated(checkpointVersion: 10, replayed: 2);
        Assert.True(policy.Applied(1));
        Assert.True(policy.SaveOnDeactivation(version: 13, applicationError: false));
    }

    [Theory]
    [InlineData(0.0, 60)]
    [InlineData(0.5, 90)]
    [InlineData(0.9999, 119.994)]
    public void The_timer_delay_is_between_half_and_all_of_the_max_delay(double sample, double seconds)
    {
        var policy = new CheckpointPolicy(new CheckpointOptions { MaxDelay = MaxDelay }, new FixedRandom(sample));
        Assert.Equal(seconds, policy.ArmTimer()!.Value.TotalSeconds, precision: 3);
    }

    [Fact]
    public void Customers_pick_their_delays_across_the_whole_range()
    {
        var random = new Random(20260202);
        var delays = Enumerable.Range(0, 1000)
            .Select(_ => new CheckpointPolicy(new CheckpointOptions { MaxDelay = MaxDelay }, random).ArmTimer()!.Value)
            .ToList();
        Assert.All(delays, d => Assert.InRange(d, MaxDelay / 2, MaxDelay));
        Assert.True(delays.Min() < MaxDelay * 0.55, $"shortest {delays.Min()}");
        Assert.True(delays.Max() > MaxDelay * 0.95, $"longest {delays.Max()}");
    }

    [Fact]
    public void One_timer_is_pending_at_a_time_and_it_fires_once()
    {
        var policy = Policy(everyEvents: 100);
        policy.Activated(checkpointVersion: 4, replayed: 0);

        Assert.False(policy.Applied(1));
        Assert.NotNull(policy.ArmTimer());
        Assert.True(policy.TimerArmed);
        Assert.False(policy.Applied(1));
        Assert.Null(policy.ArmTimer());

        Assert.True(policy.TimerFired(version: 6));
        Assert.False(policy.TimerArmed);
        policy.Saved(version: 6);

        // A customer that goes quiet has no timer; its next event arms a new one.
        Assert.False(policy.Applied(1));
        Assert.NotNull(policy.ArmTimer());
    }

    [Fact]
    public void A_timer_that_fires_with_nothing_unsaved_writes_nothing()
    {
        var policy = Policy(everyEvents: 100);
        policy.Activated(checkpointVersion: 4, replayed: 0);
        policy.Applied(1);
        policy.ArmTimer();
        // The count was reached meanwhile and written.
        policy.Saved(version: 5);
        Assert.False(policy.TimerFired(version: 5));
    }

    [Fact]
    public void A_failed_write_arms_a_timer_to_try_again_whoever_asked_for_it()
    {
        var policy = Policy(everyEvents: 2);

        // A write due by count fails: a timer is armed to retry it.
        Assert.True(policy.Applied(2));
        Assert.NotNull(policy.ArmTimer());

        // The retry fails too: the timer is gone, so another is armed.
        Assert.True(policy.TimerFired(version: 2));
        Assert.NotNull(policy.ArmTimer());

        // A failure while a timer is pending needs no second one.
        Assert.True(policy.Applied(1));
        Assert.Null(policy.ArmTimer());
        Assert.Equal(3, policy.UnsavedEvents);
    }

    /// <summary>The version written last, the version now, whether the deactivation is for an application error; whether to write.</summary>
    [Theory]
    [InlineData(5, 5, false, false)]
    [InlineData(5, 6, false, true)]
    [InlineData(5, 6, true, false)]
    [InlineData(0, 0, false, false)]
    public void Deactivation_writes_what_is_unsaved_unless_the_grain_failed(long saved, long version, bool applicationError, bool write)
    {
        var policy = Policy(everyEvents: 100);
        policy.Activated(saved, replayed: 0);
        Assert.Equal(write, policy.SaveOnDeactivation(version, applicationError));
    }

    private static CheckpointPolicy Policy(int everyEvents) =>
        new(new CheckpointOptions { EveryEvents = everyEvents, MaxDelay = MaxDelay }, new Random(1));

    /// <summary>A random source that always draws the same sample, to pin the delay's arithmetic.</summary>
    private sealed class FixedRandom(double sample) : Random
    {
        public override double NextDouble() => sample;
    }
}

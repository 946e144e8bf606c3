using Engagement.Feeds;

namespace Engagement.Gateway.Demo;

/// <summary>One feed the demo runs: its source, pace and progress, how it ended, and the stop that ends it.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification =
    "The stop source holds no timer; its token is observed by the feed until the run's last task ends, so it is left to the collector.")]
internal sealed class DemoRun(IFeedSource source, FeedPace pace, DateTimeOffset startedAt)
{
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _feedEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile string _state = DemoState.Running;
    private volatile string? _error;

    public FedCustomers Source { get; } = new(source);

    public FeedPace Pace { get; } = pace;

    public FeedProgress Progress { get; } = new();

    public CancellationToken Stopping => _stop.Token;

    /// <summary>The feed with its closing refit and check; set once, when the run starts.</summary>
    public Task Completion { get; set; } = Task.CompletedTask;

    /// <summary>Done when the feed has ended (completed, stopped or failed), before the closing refit and check.</summary>
    public Task FeedEnded => _feedEnded.Task;

    /// <summary>One check of the run's customers at a time.</summary>
    public SemaphoreSlim Checking { get; } = new(1, 1);

    public bool IsRunning => _state == DemoState.Running;

    public void RequestStop() => _stop.Cancel();

    public void End(FeedOutcome outcome)
    {
        _state = outcome == FeedOutcome.Completed ? DemoState.Completed : DemoState.Stopped;
        _feedEnded.TrySetResult();
    }

    public void Fail(string error)
    {
        _error = error;
        _state = DemoState.Failed;
        _feedEnded.TrySetResult();
    }

    /// <summary>True from the end of the feed until its closing refit and check are done (the alerts then stand).</summary>
    public bool Closing { get; set; }

    public DemoStatus Status() => new(
        _state, Source.Kind, Source.Source, Progress.Sent, Progress.Accepted, Progress.Duplicates, Progress.Rejected, Source.Total,
        Pace.Speed, startedAt, Progress.DataDay, _error) { Closing = Closing };
}

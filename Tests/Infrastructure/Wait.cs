namespace Engagement.Tests.Infrastructure;

public static class Wait
{
    /// <summary>Polls a condition until it holds or the timeout passes; a timeout fails the test with <paramref name="what"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            try
            {
                if (await condition()) return;
            }
            catch (Exception) when (!deadline.IsCancellationRequested)
            {
                // Not ready yet (for example a host still starting); try again.
            }
            if (deadline.IsCancellationRequested) throw new TimeoutException($"Timed out after {timeout}: {what}");
            await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
        }
    }
}

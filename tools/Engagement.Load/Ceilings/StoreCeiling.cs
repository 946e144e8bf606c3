using System.Diagnostics;
using Engagement.Contracts.Customers;
using Engagement.Storage;
using Engagement.Load.Run;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engagement.Load.Ceilings;

/// <summary>
/// The store ceiling: the engine's own journal (<see cref="GroupCommitJournal"/> on the store's
/// <see cref="StoreDialect"/>) appending the rows the engine writes (JSON payloads from
/// <see cref="EventCodec"/>, one customer per append, idempotency index on), with their group commit kept full.
/// No gRPC, no grains, no validation: what the disk and the database allow this code path.
/// </summary>
public sealed class StoreCeiling(StoreKind store, string connectionString, long rows, int group, int customers)
{
    public async Task<StoreCeilingReport> RunAsync(TextWriter progress, CancellationToken cancellationToken)
    {
        await using var dialect = StoreDialect.Create(store, connectionString);
        await StoreSchema.ApplyAsync(dialect, cancellationToken);
        var entries = Prepare();
        progress.WriteLine($"appending {rows:N0} rows over {customers:N0} customers through {JournalName} in groups of up to {group:N0}");

        await using var journal = new GroupCommitJournal(dialect, group, NullLogger<GroupCommitJournal>.Instance);
        // Enough appends queued that each commit can take a full group while the previous one is writing.
        using var slots = new SemaphoreSlim(2 * group);
        long fresh = 0;
        long failed = 0;
        var clock = Stopwatch.StartNew();
        var appends = new List<Task>();
        foreach (var (customerId, entry) in entries)
        {
            await slots.WaitAsync(cancellationToken);
            appends.Add(journal.AppendAsync(customerId, [entry], cancellationToken).ContinueWith(t =>
            {
                if (t.IsCompletedSuccessfully && t.Result[0]) Interlocked.Increment(ref fresh);
                else Interlocked.Increment(ref failed);
                slots.Release();
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
        }
        await Task.WhenAll(appends);
        var elapsed = clock.Elapsed;
        return new StoreCeilingReport("store-ceiling", DateTimeOffset.UtcNow, store.ToString(), JournalName, rows, group, customers,
            elapsed.TotalSeconds, rows / elapsed.TotalSeconds, fresh, failed, MachineInfo.Current());
    }

    private const string JournalName = nameof(GroupCommitJournal);

    /// <summary>The rows, built before the clock starts: encoding is the grain's work, not the store's.</summary>
    private List<(string CustomerId, JournalEntry Entry)> Prepare()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var now = DateTimeOffset.UtcNow;
        var random = new Random(7);
        var seqs = new long[customers];
        var list = new List<(string, JournalEntry)>((int)Math.Min(rows, int.MaxValue));
        for (long i = 0; i < rows; i++)
        {
            var customer = (int)(i % customers);
            var @event = new CustomerEvent($"{run}-e{i}", "web", now,
                new PurchasePayload(Math.Round(5 + (decimal)random.NextDouble() * 195, 2), "USD", $"{run}-o{i}"));
            list.Add(($"ceiling-{run}-{customer}", EventCodec.ToEntry(@event, ++seqs[customer], now)));
        }
        return list;
    }
}

public sealed record StoreCeilingReport(
    string Kind,
    DateTimeOffset MeasuredAt,
    string Store,
    string Journal,
    long Rows,
    int MaxGroup,
    int Customers,
    double ElapsedSeconds,
    double RowsPerSecond,
    long Stored,
    long Failed,
    MachineInfo Machine);

using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Engagement.Tests.Ingest;

/// <summary>
/// Issue 15, item 7: a checkpoint (grain state) write that fails after the journal commit failed the call, although the
/// events were committed: the channel's resend then counted them as duplicates, and their pushes and alerts never
/// happened. The fault is real: the checkpoint store refuses every write (a trigger on its table raises), the journal
/// does not.
/// </summary>
public sealed class CheckpointFaultTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_checkpoint_that_cannot_be_written_does_not_fail_committed_events_and_is_written_once_the_store_takes_it()
    {
        await using var engine = await EngineHost.StartEmbeddedAsync(settings:
        [
            .. TestLimits.Configuration(),
            new("Engagement:Checkpoint:EveryEvents", "1"), // every apply writes its checkpoint in the call
            new("Engagement:Checkpoint:MaxDelay", "00:00:01"), // and a failed one is tried again within a second
        ]);
        var customer = $"checkpoint-{Guid.NewGuid():N}";
        var at = DateTimeOffset.UtcNow.AddDays(-1);
        await engine.Client.SubmitAcceptedAsync(Events.Purchase(customer, 10, at));
        using var watch = engine.Client.Customers().Watch(new WatchCustomerRequest { CustomerId = customer }, cancellationToken: Ct);
        Assert.True(await watch.ResponseStream.MoveNext(Ct));
        Assert.Equal(1, watch.ResponseStream.Current.EventCount);

        var grains = SqliteFiles.Of(Path.Combine(engine.DataDirectory, "grains.db"));
        await SqliteFiles.ExecuteAsync(grains, """
            CREATE TRIGGER refuse_insert BEFORE INSERT ON engagement_checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoint store refuses'); END;
            CREATE TRIGGER refuse_update BEFORE UPDATE ON engagement_checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoint store refuses'); END;
            """, Ct);

        var batch = Events.Batch(Events.Visit(customer, at.AddHours(1)));
        var ack = await engine.Client.Ingest().SubmitAsync(batch, cancellationToken: Ct);
        Assert.Equal((1, 0), (ack.Accepted, ack.Duplicates));
        // The change was pushed like any other.
        Assert.True(await watch.ResponseStream.MoveNext(Ct));
        Assert.Equal(2, watch.ResponseStream.Current.EventCount);
        Assert.Equal(1, await CheckpointVersionAsync(grains, customer));

        await SqliteFiles.ExecuteAsync(grains, "DROP TRIGGER refuse_insert; DROP TRIGGER refuse_update;", Ct);
        await Wait.UntilAsync(async () => await CheckpointVersionAsync(grains, customer) >= 2, TimeSpan.FromSeconds(30),
            "the checkpoint is written once the store takes writes again");

        var again = await engine.Client.Ingest().SubmitAsync(batch, cancellationToken: Ct);
        Assert.Equal((0, 1), (again.Accepted, again.Duplicates));
        var card = await engine.Client.Customers().GetAsync(new GetCustomerRequest { CustomerId = customer }, cancellationToken: Ct);
        Assert.Equal(2, card.EventCount);
    }

    /// <summary>The version of the customer's stored checkpoint (0: none).</summary>
    private static async Task<long> CheckpointVersionAsync(string connectionString, string customerId)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT version FROM engagement_checkpoints WHERE state_key LIKE '%' || $id";
        command.Parameters.AddWithValue("$id", customerId);
        return await command.ExecuteScalarAsync(Ct) is long version ? version : 0;
    }
}

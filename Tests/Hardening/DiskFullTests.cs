using Engagement.Contracts.V1;
using Engagement.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Data.Sqlite;

namespace Engagement.Tests.Hardening;

/// <summary>
/// Issue 15, acceptance 3: SQLite's disk full, for real. The embedded engine (its own process) keeps its data on a small
/// tmpfs the test mounts; a filler file takes the rest of it. A batch the store cannot write is answered
/// <c>UNAVAILABLE</c> naming it, the process stays up and keeps answering reads, and once the filler is gone the resent
/// batches count every event exactly once, every alert is there once, and both database files pass SQLite's integrity check.
/// </summary>
public sealed class DiskFullTests
{
    private static readonly DateTimeOffset Day = new(2026, 2, 2, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_full_disk_is_unavailable_for_the_batch_the_engine_stays_up_and_after_space_is_freed_the_resend_counts_each_event_once()
    {
        await using var disk = await TmpfsMount.MountAsync(32, Ct);
        var data = Path.Combine(disk.Path, "data");
        await using var engine = await EngineProcess.StartGatewayAsync(Settings(data, out var grpc));
        using var client = new EngineClient(grpc);

        var run = Guid.NewGuid().ToString("N")[..8];
        var customers = Enumerable.Range(0, 400).Select(i => $"full-{run}-{i}").ToArray();
        await client.SubmitAcceptedAsync([.. customers.Select(c => Events.Purchase(c, 25, Day))]);

        var filler = Path.Combine(disk.Path, "filler");
        Assert.True(disk.Fill("filler") > 0);

        // A detractor answer each: one satisfaction alert per customer, raised as its event is applied.
        var answers = customers.Select(c => Events.Nps(c, 3, Day.AddHours(1))).Chunk(TestLimits.MaxEventsPerBatch).Select(Events.Batch).ToList();
        var refusedAt = -1;
        for (var i = 0; i < answers.Count && refusedAt < 0; i++)
        {
            try
            {
                var ack = await client.Ingest().SubmitAsync(answers[i], cancellationToken: Ct);
                Assert.Equal(answers[i].Events.Count, ack.Accepted);
            }
            catch (RpcException ex)
            {
                Assert.True(ex.StatusCode == StatusCode.Unavailable, $"a full disk answered {ex.StatusCode}: {ex.Status.Detail}\n{engine.Output}");
                Assert.Contains($"batch_id '{answers[i].BatchId}'", ex.Status.Detail, StringComparison.Ordinal);
                refusedAt = i;
            }
        }
        Assert.True(refusedAt >= 0, "every batch was acknowledged: the disk never filled");

        // With the disk still full: the next batch is refused the same way, and the engine still answers reads.
        if (refusedAt + 1 < answers.Count)
        {
            var next = await Assert.ThrowsAsync<RpcException>(() => client.Ingest().SubmitAsync(answers[refusedAt + 1], cancellationToken: Ct).ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, next.StatusCode);
        }
        var early = await client.Customers().GetAsync(new GetCustomerRequest { CustomerId = customers[0] }, cancellationToken: Ct);
        Assert.InRange(early.EventCount, 1, 2);
        Assert.False(engine.HasExited, engine.Output);

        File.Delete(filler);
        foreach (var batch in answers.Skip(refusedAt))
        {
            BatchAck? ack = null;
            await Wait.UntilAsync(async () =>
            {
                try
                {
                    ack = await client.Ingest().SubmitAsync(batch, cancellationToken: Ct);
                    return true;
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
                {
                    return false; // as a channel would: resend until acknowledged
                }
            }, TimeSpan.FromSeconds(60), $"batch {batch.BatchId} is acknowledged once space is free");
            Assert.Equal(batch.Events.Count, ack!.Accepted + ack.Duplicates);
        }

        foreach (var customer in customers)
        {
            var card = await client.Customers().GetAsync(new GetCustomerRequest { CustomerId = customer }, cancellationToken: Ct);
            Assert.Equal(2, card.EventCount);
        }

        // Alerts that the full disk refused come out of the customers' outboxes: one per customer, raised once.
        IReadOnlyList<Alert> alerts = [];
        await Wait.UntilAsync(async () => (alerts = await OpenAlertsAsync(client, run)).Count >= customers.Length, TimeSpan.FromSeconds(120),
            "every customer's satisfaction alert is raised");
        Assert.Equal(customers.Order(StringComparer.Ordinal), alerts.Select(a => a.CustomerId).Order(StringComparer.Ordinal));
        Assert.All(alerts, a => Assert.Equal(("SatisfactionDrop", 1), (a.Kind, a.Occurrences)));

        foreach (var file in new[] { "engagement.db", "grains.db" })
        {
            Assert.Equal("ok", await ScalarAsync(Path.Combine(data, file), "PRAGMA integrity_check;"));
        }
        Assert.Equal(2L * customers.Length, await ScalarAsync(Path.Combine(data, "engagement.db"),
            $"SELECT COUNT(*) FROM engagement_journal WHERE customer_id LIKE 'full-{run}-%';"));
        Assert.False(engine.HasExited, engine.Output);
    }

    private static async Task<IReadOnlyList<Alert>> OpenAlertsAsync(EngineClient client, string run)
    {
        var alerts = new List<Alert>();
        var token = "";
        do
        {
            var page = await client.Alerts().ListAsync(new ListAlertsRequest { PageSize = 100, PageToken = token }, cancellationToken: Ct);
            alerts.AddRange(page.Alerts.Where(a => a.CustomerId.StartsWith($"full-{run}-", StringComparison.Ordinal)));
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        return alerts;
    }

    private static async Task<object?> ScalarAsync(string database, string sql)
    {
        await using var connection = new SqliteConnection(SqliteFiles.Of(database));
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(Ct);
    }

    private static List<KeyValuePair<string, string>> Settings(string data, out Uri grpc) =>
        EngineProcess.EmbeddedSettings(data, out grpc, [new("Engagement:Alerts:MinExpectedLoss", "0"), .. TestLimits.Configuration()]);
}

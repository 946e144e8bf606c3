#pragma warning disable xUnit1051
using System.Diagnostics;
using Engagement.Storage;
using Engagement.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Microsoft.Data.Sqlite;

namespace Engagement.Tests.Query;

public sealed class TmpPlans
{
    [Fact]
    public async Task Plans()
    {
        var output = new System.Text.StringBuilder();
        await using var stores = new TestStores();
        await stores.InitializeAsync();
        var customers = SyntheticCustomers.Generate(1_000_000);
        foreach (var kind in new[] { StoreKind.Sqlite, StoreKind.PostgreSql })
        {
            var store = await stores.CreateAsync(kind, default);
            var sw = Stopwatch.StartNew();
            await using (var journal = new GroupCommitJournal(store.Dialect, 1000, NullLogger<GroupCommitJournal>.Instance))
                await SyntheticCustomers.WriteAsync(journal, customers, default);
            output.AppendLine($"{kind} load {sw.Elapsed}");
            if (kind == StoreKind.PostgreSql)
            {
                await using var c = new NpgsqlConnection(store.ConnectionString); await c.OpenAsync();
                await using var v = new NpgsqlCommand("VACUUM ANALYZE", c); await v.ExecuteNonQueryAsync();
            }
            var q = new CustomerQueries(store.Dialect, store.Dialect);
            async Task Time(string name, Func<Task<object>> f)
            {
                await f();
                var s = Stopwatch.StartNew();
                var r = await f();
                output.AppendLine($"{kind} {name}: {s.ElapsedMilliseconds} ms -> {r}");
            }
            await Time("count all", async () => await q.CountAsync(new(), default));
            await Time("count stage", async () => await q.CountAsync(new() { Stages = ["Loyal"] }, default));
            await Time("count team", async () => await q.CountAsync(new() { Teams = ["north"] }, default));
            await Time("count tier A", async () => await q.CountAsync(new() { Tiers = ["A"] }, default));
            await Time("count stage+tier+team", async () => await q.CountAsync(new() { Stages = ["Prospect"], Tiers = ["A"], Teams = ["north", "south"] }, default));
            await Time("count segment", async () => await q.CountAsync(new() { Segments = ["vip"] }, default));
            await Time("count segment+team", async () => await q.CountAsync(new() { Segments = ["vip"], Teams = ["north"] }, default));
            await Time("count attr", async () => await q.CountAsync(new() { Attributes = [new("region", "north")] }, default));
            await Time("count attr+stage", async () => await q.CountAsync(new() { Attributes = [new("region", "north")], Stages = ["Prospect"] }, default));
            await Time("by stage", async () => (await q.CountByAsync(new(), CustomerDimension.Stage)).Count);
            await Time("by tier team north", async () => (await q.CountByAsync(new() { Teams = ["north"] }, CustomerDimension.Tier)).Count);
            await Time("by segment", async () => (await q.CountByAsync(new(), CustomerDimension.Segment)).Count);
            await Time("by segment stage", async () => (await q.CountByAsync(new() { Stages = ["Prospect"] }, CustomerDimension.Segment)).Count);
            await Time("by attr region", async () => (await q.CountByAsync(new(), CustomerDimension.Attribute, "region")).Count);
            await Time("page stage", async () => (await q.ListAsync(new() { Stages = ["Loyal"] }, null, 1000, default)).Customers.Count);
            await Time("page team", async () => (await q.ListAsync(new() { Teams = ["west"] }, null, 1000, default)).Customers.Count);
            await Time("page 2 team", async () => { var p = await q.ListAsync(new() { Teams = ["west"] }, null, 1000, default); return (await q.ListAsync(new() { Teams = ["west"] }, p.Next, 1000, default)).Customers.Count; });
            await Time("page segment", async () => (await q.ListAsync(new() { Segments = ["vip"] }, null, 1000, default)).Customers.Count);
            await Time("export all", async () => { var n = 0; await foreach (var _ in q.ExportAsync(new())) n++; return n; });
            // plans
            string[] sqls =
            [
                "SELECT COUNT(*) FROM engagement_customer_digest d WHERE d.team IN ('north')",
                "SELECT COUNT(*) FROM engagement_customer_digest d WHERE d.stage IN ('Loyal')",
                "SELECT d.stage, COUNT(*) FROM engagement_customer_digest d GROUP BY d.stage",
                "SELECT d.customer_id FROM engagement_customer_digest d WHERE d.team IN ('west') AND (d.stage, d.tier, d.rfm_group, d.team, d.customer_id) > ('Loyal', 'A', '', 'west', 'q-0') ORDER BY d.stage, d.tier, d.rfm_group, d.team, d.customer_id LIMIT 1001",
                "SELECT d.customer_id FROM engagement_customer_digest d WHERE d.stage IN ('Loyal', 'New') ORDER BY d.stage, d.tier, d.rfm_group, d.team, d.customer_id LIMIT 1001",
                "SELECT COUNT(*) FROM engagement_customer_segments s0 JOIN engagement_customer_digest d ON d.customer_id = s0.customer_id WHERE s0.segment = 'vip' AND d.team IN ('north')",
                "SELECT s0.customer_id FROM engagement_customer_segments s0 JOIN engagement_customer_digest d ON d.customer_id = s0.customer_id WHERE s0.segment = 'vip' ORDER BY s0.customer_id LIMIT 1001",
            ];
            foreach (var sql in sqls)
            {
                output.AppendLine("  " + sql);
                if (kind == StoreKind.Sqlite)
                {
                    await using var c = new SqliteConnection(store.ConnectionString); await c.OpenAsync();
                    await using var cmd = new SqliteCommand("EXPLAIN QUERY PLAN " + sql, c);
                    await using var r = await cmd.ExecuteReaderAsync();
                    while (await r.ReadAsync()) output.AppendLine("    " + r.GetString(3));
                }
                else
                {
                    await using var c = new NpgsqlConnection(store.ConnectionString); await c.OpenAsync();
                    await using var cmd = new NpgsqlCommand("EXPLAIN ANALYZE " + sql, c);
                    await using var r = await cmd.ExecuteReaderAsync();
                    while (await r.ReadAsync()) output.AppendLine("    " + r.GetString(0));
                }
            }
            File.WriteAllText("/tmp/query-plans.txt", output.ToString());
        }
    }
}

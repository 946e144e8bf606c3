using System.Net.Http.Json;
using System.Text.Json;
using Engagement.Contracts.Alerts;
using Engagement.Grains.Hosting;
using Engagement.Grains.Privacy;
using Engagement.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.Tests.Privacy;

/// <summary>
/// Minimisation (issue 17): an alert's context carries the personal attributes a supervisor needs (the name) and not the
/// others, even when configured; other systems get alerts without any personal attribute in the change feed, and the
/// query index of attributes holds none, while the rest of the profile stays queryable.
/// </summary>
public sealed class MinimisationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTimeOffset Start = new(2025, 4, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Alert_contexts_keep_the_name_and_the_team_and_drop_the_other_personal_attributes_configured()
    {
        var options = Load(("Engagement:Alerts:ContextAttributes:0", "name"), ("Engagement:Alerts:ContextAttributes:1", "Email"),
            ("Engagement:Alerts:ContextAttributes:2", "phone"), ("Engagement:Alerts:ContextAttributes:3", "plan"));
        Assert.Equal(["name", "plan", "region"], options.Alerts.ContextAttributesInForce);

        // What counts as personal, and what supervisors see of it, is configured.
        var configured = Load(("Engagement:Alerts:ContextAttributes:0", "name"), ("Engagement:Alerts:ContextAttributes:1", "plan"),
            ("Engagement:Privacy:PersonalAttributes:0", "plan"), ("Engagement:Privacy:SupervisorAttributes:0", "nickname"));
        Assert.Equal(["name", "region"], configured.Alerts.ContextAttributesInForce);
        Assert.True(configured.Privacy.HiddenFromSupervisors("PLAN"));
        Assert.False(configured.Privacy.HiddenFromSupervisors("email"));
        Assert.True(new PrivacyOptions().HiddenFromSupervisors("birthdate"));
        Assert.False(new PrivacyOptions().HiddenFromSupervisors("name"));
    }

    private static EngagementOptions Load(params (string Key, string Value)[] settings) =>
        EngagementSettings.Load(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
            .Build()).Options;

    [Fact]
    public async Task Personal_attributes_stay_off_alert_contexts_the_change_feed_and_the_query_index()
    {
        await using var engine = await EngineHost.StartEmbeddedAsync(settings:
        [
            new("Engagement:Alerts:ContextAttributes:0", "name"),
            new("Engagement:Alerts:ContextAttributes:1", "email"),
            new("Engagement:Alerts:ContextAttributes:2", "phone"),
            new("Engagement:Alerts:ContextAttributes:3", "plan"),
            new("Engagement:Changes:PollInterval", "00:00:00.100"),
        ]);
        var id = $"minimal-{Guid.NewGuid():N}";
        var ack = await engine.Client.Ingest().SubmitAsync(Events.Batch(
            Events.Profile(id, Start, ("name", "Mina Minimal"), ("email", "mina@example.org"), ("phone", "+1 555 010 3000"),
                ("address", "1 Quiet Street"), ("plan", "gold"), ("region", "north")),
            Events.Purchase(id, 100, Start.AddDays(1)),
            Events.Nps(id, 1, Start.AddDays(2))), cancellationToken: Ct);
        Assert.Equal(3, ack.Accepted);

        var alert = await engine.Services.GetRequiredService<IGrainFactory>()
            .GetGrain<ICustomerAlertGrain>(AlertIds.GrainKey(id, AlertKind.SatisfactionDrop)).Current();
        Assert.NotNull(alert);
        Assert.Equal(new Dictionary<string, string> { ["name"] = "Mina Minimal", ["plan"] = "gold", ["region"] = "north" },
            alert.Context.Profile.ToDictionary(StringComparer.Ordinal));

        // Other systems: the alert's change in the feed has no personal attribute.
        await using var feed = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(engine.DataDirectory, "engagement.db"), Pooling = false }.ConnectionString);
        await feed.OpenAsync(Ct);
        var changes = new List<JsonElement>();
        await Wait.UntilAsync(async () =>
        {
            changes.Clear();
            await using var read = feed.CreateCommand();
            read.CommandText = "SELECT data FROM engagement_changes WHERE customer_id = @id AND kind LIKE 'alert%'";
            read.Parameters.AddWithValue("id", id);
            await using var reader = await read.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct)) changes.Add(JsonDocument.Parse(reader.GetString(0)).RootElement.Clone());
            return changes.Count > 0;
        }, TimeSpan.FromSeconds(30), "the alert's change is in the feed");
        Assert.All(changes, change =>
        {
            var profile = change.GetProperty("context").GetProperty("profile");
            Assert.Equal(["plan", "region"], profile.EnumerateObject().Select(p => p.Name).Order());
        });

        // The query index: the profile's other attributes are found by, the personal ones are not kept there at all.
        using var integration = engine.Http(TestKeys.Integration);
        async Task<long> CountAsync(string filter) =>
            (await integration.GetFromJsonAsync<JsonElement>($"/api/query/customers/count?{filter}", Ct)).GetProperty("total").GetInt64();
        Assert.Equal(1, await CountAsync("attr.plan=gold"));
        Assert.Equal(0, await CountAsync("attr.email=mina%40example.org"));
        Assert.Equal(0, await CountAsync("attr.address=1%20quiet%20street"));
        await using var read = feed.CreateCommand();
        read.CommandText = "SELECT name FROM engagement_customer_attributes WHERE customer_id = @id ORDER BY name";
        read.Parameters.AddWithValue("id", id);
        var indexed = new List<string>();
        await using (var reader = await read.ExecuteReaderAsync(Ct))
        {
            while (await reader.ReadAsync(Ct)) indexed.Add(reader.GetString(0));
        }
        Assert.Equal(["plan", "region"], indexed);
    }
}

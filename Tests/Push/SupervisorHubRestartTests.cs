using Engagement.Contracts.Alerts;
using Engagement.Gateway.Push;
using Engagement.Tests.Infrastructure;

namespace Engagement.Tests.Push;

/// <summary>
/// The supervisor flow across a restart of the engine, on an engine of its own so that every alert is
/// known: nothing is lost, and a supervisor reconnecting with its last sequence gets exactly what it
/// missed while away, and nothing else.
/// </summary>
public sealed class SupervisorHubRestartTests
{
    private static IEnumerable<KeyValuePair<string, string>> Settings => [.. TestLimits.Configuration(), .. PushKeys.Configuration()];

    [Fact]
    public async Task Alerts_survive_a_restart_and_a_reconnect_after_the_last_sequence_gets_exactly_the_missed_changes()
    {
        var data = Directory.CreateTempSubdirectory("engagement-push-").FullName;
        try
        {
            var (c1, c2, c3, c4) = ("c1-north", "c2-south", "c3-north", "c4-south");
            long northLastSeen;
            string c1Alert;
            await using (var engine = await EngineHost.StartEmbeddedAsync(data, Settings))
            {
                await using var everyTeam = await SupervisorAsync(engine, TestKeys.Supervisor);
                await AlertEvents.RaiseAsync(engine.Client, c1, "north");
                await AlertEvents.RaiseAsync(engine.Client, c2, "south");
                var raised = await everyTeam.NextAlertsAsync(2);
                Assert.Equal([c1, c2], raised.Select(a => a.CustomerId).Order());
                c1Alert = raised.Single(a => a.CustomerId == c1).AlertId;

                // A north supervisor connecting later gets exactly the open north alert, then live changes.
                await using var north = await SupervisorAsync(engine, PushKeys.NorthSupervisor);
                var backlog = await north.NextAlertAsync();
                Assert.Equal((c1Alert, AlertState.Open), (backlog.AlertId, backlog.State));
                var acknowledged = await north.AcknowledgeAsync(c1Alert);
                Assert.Equal(acknowledged.Sequence, (await north.NextAlertAsync()).Sequence);
                Assert.Equal(acknowledged.Sequence, (await everyTeam.NextAlertAsync()).Sequence);

                await using var ada = await AgentAsync(engine, PushKeys.Ada);
                var assigned = await everyTeam.AssignAsync(c1Alert, "ada");
                Assert.Equal(assigned.Sequence, (await ada.NextAlertAsync()).Sequence);
                Assert.Equal(assigned.Sequence, (await north.NextAlertAsync()).Sequence);
                Assert.Equal(assigned.Sequence, (await everyTeam.NextAlertAsync()).Sequence);
                northLastSeen = north.LastSequence;
                await north.DisposeAsync();

                // While the north supervisor is away: its alert is resolved, one alert is raised in each team.
                var resolved = await everyTeam.ResolveAsync(c1Alert, "refund issued");
                Assert.Equal(resolved.Sequence, (await ada.NextAlertAsync()).Sequence);
                await AlertEvents.RaiseAsync(engine.Client, c3, "north");
                await AlertEvents.RaiseAsync(engine.Client, c4, "south");
                Assert.Equal([c1, c3, c4], (await everyTeam.NextAlertsAsync(3)).Select(a => a.CustomerId).Order());
            }

            await using (var engine = await EngineHost.StartEmbeddedAsync(data, Settings))
            {
                // The north supervisor reconnects with its last sequence: exactly the two north changes it missed, in order.
                var hub = new Uri(engine.WebAddress, $"/hubs/supervisor?{SupervisorHub.AfterParameter}={northLastSeen}");
                await using var north = await PushClient.ConnectAsync(hub, PushKeys.NorthSupervisor, "messagepack");
                var missed = await north.NextAlertsAsync(2);
                Assert.Equal([(c1, AlertState.Resolved), (c3, AlertState.Open)], missed.Select(a => (a.CustomerId, a.State)));
                Assert.True(missed[0].Sequence > northLastSeen && missed[1].Sequence > missed[0].Sequence);
                var c1Resolved = missed[0];
                Assert.Equal((c1Alert, "ada", PushKeys.AllTeamsSupervisorName, "refund issued"),
                    (c1Resolved.AlertId, c1Resolved.AssignedTo, c1Resolved.ResolvedBy, c1Resolved.ResolutionNote));
                Assert.Equal("supervisor-north", c1Resolved.AcknowledgedBy);
                // Nothing else was missed: the next alert it gets is its own next change.
                var c3Acknowledged = await north.AcknowledgeAsync(missed[1].AlertId);
                Assert.Equal(c3Acknowledged.Sequence, (await north.NextAlertAsync()).Sequence);

                // A supervisor of every team connecting fresh gets the open alerts, oldest first; the resolved one is gone.
                await using var everyTeam = await SupervisorAsync(engine, TestKeys.Supervisor);
                var open = await everyTeam.NextAlertsAsync(3);
                Assert.Equal(open.Select(a => a.Sequence).Order(), open.Select(a => a.Sequence));
                Assert.Equal([(c2, AlertState.Open), (c3, AlertState.Acknowledged), (c4, AlertState.Open)],
                    open.Select(a => (a.CustomerId, a.State)).OrderBy(a => a.CustomerId));
                var c4Acknowledged = await everyTeam.AcknowledgeAsync(open.Single(a => a.CustomerId == c4).AlertId);
                Assert.Equal(c4Acknowledged.Sequence, (await everyTeam.NextAlertAsync()).Sequence);
                Assert.True(c4Acknowledged.Sequence > c3Acknowledged.Sequence, "sequences keep rising across the restart");
            }
        }
        finally
        {
            EngineHost.TryDelete(data);
        }
    }

    private static Task<PushClient> SupervisorAsync(EngineHost engine, string key) =>
        PushClient.ConnectAsync(new Uri(engine.WebAddress, "/hubs/supervisor"), key);

    private static Task<PushClient> AgentAsync(EngineHost engine, string key) =>
        PushClient.ConnectAsync(new Uri(engine.WebAddress, "/hubs/agent"), key);
}

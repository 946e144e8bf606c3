using System.ComponentModel.DataAnnotations;
using Engagement.Contracts.Alerts;
using Engagement.Model;
using Microsoft.Extensions.Options;

namespace Engagement.Grains.Hosting;

/// <summary>How the engine runs: one process on SQLite, or a cluster of silos and gateways on PostgreSQL.</summary>
public enum EngagementMode
{
    /// <summary>The gateway co-hosts a silo; localhost clustering; state in SQLite under <see cref="EngagementOptions.DataDirectory"/>.</summary>
    Embedded,

    /// <summary>Silos and gateways (Orleans clients) on ADO.NET clustering, persistence and reminders in PostgreSQL.</summary>
    Cluster,
}

/// <summary>The <c>Engagement</c> configuration section.</summary>
public sealed class EngagementOptions
{
    public const string Section = "Engagement";

    public EngagementMode Mode { get; set; } = EngagementMode.Embedded;

    /// <summary>Where the embedded engine keeps its SQLite file and keys (<c>Engagement:DataDirectory</c>).</summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    [Required, RegularExpression("^[A-Za-z0-9_.-]{1,150}$")]
    public string ServiceId { get; set; } = "engagement";

    [Required, RegularExpression("^[A-Za-z0-9_.-]{1,150}$")]
    public string ClusterId { get; set; } = "engagement";

    [Required, ValidateObjectMembers]
    public SiloEndpointOptions Silo { get; set; } = new();

    [Required, ValidateObjectMembers]
    public JournalOptions Journal { get; set; } = new();

    [Required, ValidateObjectMembers]
    public CheckpointOptions Checkpoint { get; set; } = new();

    [Required, ValidateObjectMembers]
    public PushOptions Push { get; set; } = new();

    [Required, ValidateObjectMembers]
    public PopulationOptions Population { get; set; } = new();

    [Required, ValidateObjectMembers]
    public AlertOptions Alerts { get; set; } = new();

    [Required, ValidateObjectMembers]
    public SilenceOptions Silence { get; set; } = new();

    [Required, ValidateObjectMembers]
    public SweepOptions Sweep { get; set; } = new();

    [Required, ValidateObjectMembers]
    public DashboardSettings Dashboard { get; set; } = new();

    [Required, ValidateObjectMembers]
    public StoreOptions Store { get; set; } = new();

    [Required, ValidateObjectMembers]
    public LimitsOptions Limits { get; set; } = new();

    /// <summary>Erasure, export and minimisation of personal data (<c>Engagement:Privacy</c>, issue 17).</summary>
    [Required, ValidateObjectMembers]
    public Privacy.PrivacyOptions Privacy { get; set; } = new();

    /// <summary>The ISO 4217 currency of the engine's money: alerts' expected loss, CLV and spend (<c>Engagement:Currency</c>).</summary>
    [Required, RegularExpression("^[A-Z]{3}$")]
    public string Currency { get; set; } = "USD";

    /// <summary>A JSON file (<c>{"Engagement": {"Rules": {...}}}</c>) watched for rule changes; default <c>&lt;DataDirectory&gt;/rules.json</c>.</summary>
    public string? RulesFile { get; set; }

    /// <summary>
    /// Who may list the gRPC services through server reflection: <see cref="ReflectionAccess.Anonymous"/> by default when
    /// embedded (a developer's grpcurl), <see cref="ReflectionAccess.Keyed"/> by default in a cluster.
    /// </summary>
    public ReflectionAccess? Reflection { get; set; }

    /// <summary>The reflection access in force: as configured, or the mode's default.</summary>
    public ReflectionAccess ReflectionInForce => Reflection ?? (Mode == EngagementMode.Embedded ? ReflectionAccess.Anonymous : ReflectionAccess.Keyed);
}

/// <summary>Who may use gRPC server reflection (<c>Engagement:Reflection</c>).</summary>
public enum ReflectionAccess
{
    /// <summary>Anyone who reaches the gRPC endpoint.</summary>
    Anonymous,

    /// <summary>Any caller with a valid key.</summary>
    Keyed,

    /// <summary>Not served.</summary>
    Off,
}

public sealed class PopulationOptions
{
    /// <summary>Shards a refit reads in parallel; a divisor of 1024.</summary>
    [Range(1, 1024)]
    public int Shards { get; set; } = 16;

    /// <summary>How often the statistics are refitted on their own (zero: only on demand).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan RefitInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How old the stage × tier grid of the population flow may be before a read counts it again from the digests.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan CellsRefresh { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often each silo picks up the statistics in force.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan CacheRefresh { get; set; } = TimeSpan.FromSeconds(15);
}

public sealed class SiloEndpointOptions
{
    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients reach this silo at (cluster mode); loopback when unset.</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>TLS with mutual certificates on the silo and gateway ports (cluster mode; set it alike on silos and gateways).</summary>
    [Required]
    public SiloTlsOptions Tls { get; set; } = new();

    /// <summary>
    /// Lets a cluster silo listen beyond loopback without TLS, on a network only silos and gateways reach: a loud warning
    /// at start instead of a refusal (whoever reaches the ports calls grains past every key).
    /// </summary>
    public bool AllowInsecure { get; set; }
}

/// <summary>
/// Orleans TLS (<c>Engagement:Silo:Tls</c>): each silo and gateway presents <see cref="CertificatePath"/> and requires
/// the peer's certificate, which must chain to <see cref="TrustedCaPath"/> when set, else be the same certificate (one
/// cluster certificate) or one the machine trusts.
/// </summary>
public sealed class SiloTlsOptions
{
    /// <summary>A PKCS#12 (.pfx) file with the certificate and its private key; unset: no TLS.</summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }

    /// <summary>A CA certificate (PEM or DER) the peers' certificates must chain to.</summary>
    public string? TrustedCaPath { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(CertificatePath);
}

/// <summary>
/// The connection budget of one process on PostgreSQL (<c>Engagement:Store</c>): what it may hold open at most, so that
/// N silos and M gateways fit under the server's <c>max_connections</c> (docs/operations.md has the sum).
/// </summary>
public sealed class StoreOptions
{
    /// <summary>Connections one silo may hold: the journal, checkpoints and alerts share what Orleans' own parts leave.</summary>
    [Range(4, 1000)]
    public int MaxConnections { get; set; } = 20;

    /// <summary>Of those, Orleans' membership and reminders (ADO.NET); a gateway holds only these.</summary>
    [Range(1, 100)]
    public int OrleansConnections { get; set; } = 3;

    /// <summary>How long a caller waits for a free connection before the store answers "unavailable".</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ConnectionWait { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class JournalOptions
{
    /// <summary>The most journal entries one group commit carries.</summary>
    [Range(1, 1_000_000)]
    public int MaxEntriesPerCommit { get; set; } = 20_000;
}

public sealed class CheckpointOptions
{
    /// <summary>A customer writes its checkpoint after this many applied events...</summary>
    [Range(1, 1_000_000)]
    public int EveryEvents { get; set; } = 256;

    /// <summary>
    /// ...or about this long after its first unsaved event (each customer picks a time between half and all
    /// of it), whichever comes first. Spreading them matters: customers that took events together would
    /// otherwise all write their checkpoints at the same moment and stall ingest.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The most grain states (checkpoints) one group commit writes.</summary>
    [Range(1, 100_000)]
    public int MaxWritesPerCommit { get; set; } = 1_000;
}

public sealed class PushOptions
{
    /// <summary>A card watcher (one per gateway and customer) expires unless renewed within this time.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan WatchExpiry { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>Where alerts go and when satisfaction counts as dropped (<c>Engagement:Alerts</c>).</summary>
public sealed class AlertOptions
{
    /// <summary>The profile attribute whose value names the customer's team.</summary>
    [Required]
    public string TeamAttribute { get; set; } = "region";

    /// <summary>
    /// Attribute values mapped to team names. The attribute comes from the channels, so once a map is configured only its
    /// teams exist: a value not listed puts the customer in <see cref="DefaultTeam"/> (a channel cannot make up a team
    /// or slip a customer into one the configuration does not name). Without a map each value is its own team.
    /// </summary>
    public Dictionary<string, string> Teams { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The profile attributes an alert's context carries besides the team attribute (<c>Engagement:Alerts:ContextAttributes</c>;
    /// unset: <c>name</c>): what a supervisor needs to know who it is, not the whole profile, which the card shows.
    /// </summary>
    public string[]? ContextAttributes { get; set; }

    /// <summary>
    /// The context attributes in force: as configured, or <c>name</c>, less the personal attributes supervisors do not see
    /// (<see cref="HideFromSupervisors"/>); the team attribute always.
    /// </summary>
    public IReadOnlyList<string> ContextAttributesInForce => _contextAttributes ??=
    [
        .. (ContextAttributes is { Length: > 0 } configured ? configured : ["name"]).Where(a => _hidden?.Invoke(a) != true)
            .Append(TeamAttribute).Distinct(StringComparer.OrdinalIgnoreCase),
    ];

    private IReadOnlyList<string>? _contextAttributes;

    private Func<string, bool>? _hidden;

    /// <summary>Keeps the personal attributes a supervisor does not need off alert contexts (<c>Engagement:Privacy</c>).</summary>
    public void HideFromSupervisors(Func<string, bool> hidden)
    {
        _hidden = hidden;
        _contextAttributes = null;
    }

    /// <summary>The team of a customer without the attribute.</summary>
    [Required]
    public string DefaultTeam { get; set; } = "unassigned";

    /// <summary>A CSAT mean falling below this is a satisfaction drop...</summary>
    [Range(1, 5)]
    public double CsatFloor { get; set; } = 3;

    /// <summary>...and so is a fall of at least this much at once.</summary>
    [Range(0.1, 4)]
    public double CsatFall { get; set; } = 1;

    /// <summary>
    /// Which tier moves open a <c>TierChange</c> alert, and how severe: keys <c>FromA</c>, <c>ToA</c>, <c>FromB</c>, ...
    /// (a move matches its "from" and its "to" key; the most severe match wins); <c>Info</c> opens none. Tier moves
    /// are information (card, decision log, moves chart); by default only a customer leaving tier A is work.
    /// Configured keys are added to the default; set <c>FromA</c> to <c>Info</c> to turn that one off.
    /// </summary>
    public Dictionary<string, AlertSeverity> TierAlerts { get; set; } = new(StringComparer.OrdinalIgnoreCase) { ["FromA"] = AlertSeverity.Warning };

    /// <summary>
    /// A churn warning of a customer lapsed longer than this (business time since the last purchase) expires: such a
    /// customer belongs on the win-back list, not in a supervisor's queue.
    /// </summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan LapsedExpiry { get; set; } = TimeSpan.FromDays(180);

    /// <summary>
    /// The money at risk (CLV × churn risk, in <c>Engagement:Currency</c>) below which a churn warning is not worth an
    /// agent's call: it stays information (the card, the decision log, the at-risk list of the worklist) and opens no
    /// alert. Zero opens one for every customer at risk of tiers A and B.
    /// </summary>
    [Range(0, 1e12)]
    public double MinExpectedLoss { get; set; } = 100;

    /// <summary>How long an open alert of each severity may wait for an acknowledgement before it escalates (<c>Engagement:Alerts:Sla</c>).</summary>
    [Required, ValidateObjectMembers]
    public AlertSlaOptions Sla { get; set; } = new();
}

/// <summary>Acknowledgement times by severity; past it, an open alert escalates once (severity one step up).</summary>
public sealed class AlertSlaOptions
{
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan Critical { get; set; } = TimeSpan.FromMinutes(15);

    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan Warning { get; set; } = TimeSpan.FromHours(4);

    /// <summary>How often each silo looks for open alerts past their due time (machine time).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The acknowledgement time of a severity; null for Info (no SLA).</summary>
    public TimeSpan? Of(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Critical => Critical,
        AlertSeverity.Warning => Warning,
        _ => null,
    };
}

/// <summary>The Orleans dashboard (<c>Engagement:Dashboard</c>), for admins at <c>/dashboard</c>.</summary>
public sealed class DashboardSettings
{
    /// <summary>Off: no dashboard and none of its sampling (a gateway maps <c>/dashboard</c> only when on).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How often the dashboard samples the silo's counters. Each sample walks every activation (Orleans' request
    /// count gauge): at a million customers, once a second took a third of a core; every ten seconds is a tenth of that.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan CounterUpdateInterval { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>The population sweep after a refit or a rules change (<c>Engagement:Sweep</c>).</summary>
public sealed class SweepOptions
{
    /// <summary>Off: traits move only with each customer's next event or scheduled check, as before the sweep.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Digests examined per second at most, so that the reads stay a small share of the store's work.</summary>
    [Range(1, 10_000_000)]
    public int MaxCustomersPerSecond { get; set; } = 20_000;

    /// <summary>Customers woken per second at most (each wake may activate a grain: its checkpoint and journal are read).</summary>
    [Range(1, 1_000_000)]
    public int MaxWakesPerSecond { get; set; } = 500;

    /// <summary>Wakes in flight at once.</summary>
    [Range(1, 1024)]
    public int Concurrency { get; set; } = 16;
}

/// <summary>How silence is watched for (<c>Engagement:Silence</c>).</summary>
public sealed class SilenceOptions
{
    /// <summary>Shards of the schedule, each polled by one grain; a divisor of 1024.</summary>
    [Range(1, 1024)]
    public int Shards { get; set; } = 16;

    /// <summary>How often each shard looks for customers whose time has come.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Customers a shard checks per poll at most (the rest wait for the next poll).</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 2000;
}

/// <summary>
/// What one customer, one key and one connection may take at most (<c>Engagement:Limits</c>), so that no channel or
/// client can exhaust memory or every supervisor's bandwidth. docs/operations.md, "Limits", has the worst cases.
/// </summary>
public sealed class LimitsOptions
{
    /// <summary>Profile attributes one customer keeps; past it the attribute updated longest ago is evicted.</summary>
    [Range(1, 10_000)]
    public int MaxProfileAttributes { get; set; } = CustomerLimits.DefaultMaxProfileAttributes;

    /// <summary>The longest profile attribute value an event may set; a longer one refuses the event at the edge.</summary>
    [Range(1, 65_536)]
    public int MaxAttributeValueLength { get; set; } = 1024;

    /// <summary>Open complaint tickets one customer keeps; past it the least pressing (lowest severity, opened last) is forgotten.</summary>
    [Range(1, 10_000)]
    public int MaxOpenComplaints { get; set; } = CustomerLimits.DefaultMaxOpenComplaints;

    /// <summary>
    /// The most alerts a supervisor connection (<c>/hubs/supervisor</c>, <c>Alerts.Watch</c>) is sent before the live changes:
    /// the newest open ones, or the changes it missed when they are no more; past it the client is told and pages the rest.
    /// </summary>
    [Range(1, 10_000)]
    public int SupervisorBacklog { get; set; } = 1000;

    /// <summary>HTTP API requests (<c>/api/*</c>) one key may make per second, on average...</summary>
    [Range(1, 1_000_000)]
    public int HttpRequestsPerSecond { get; set; } = 100;

    /// <summary>...and at once (the bucket's size); past it the answer is 429 with <c>Retry-After</c>.</summary>
    [Range(1, 1_000_000)]
    public int HttpBurst { get; set; } = 200;

    /// <summary>gRPC streams (ingest streams, card and alert watches) one key may hold open at once on a gateway.</summary>
    [Range(1, 100_000)]
    public int StreamsPerKey { get; set; } = 32;

    /// <summary>SignalR connections (<c>/hubs/*</c>) one key may hold open at once on a gateway.</summary>
    [Range(1, 100_000)]
    public int HubConnectionsPerKey { get; set; } = 32;

    /// <summary>The customer limits as the model takes them (made once: read for every applied event).</summary>
    public CustomerLimits Customer => _customer ??= new(MaxProfileAttributes, MaxOpenComplaints);

    private CustomerLimits? _customer;
}

namespace Engagement.Gateway.Security;

/// <summary>The roles a key can hold. These names are part of the configuration contract.</summary>
public static class Roles
{
    public const string Channel = "channel";
    public const string Agent = "agent";
    public const string Supervisor = "supervisor";
    public const string Admin = "admin";

    /// <summary>Other systems (CRM, marketing, warehouse) that read the engine's decisions: the change feed, queries, exports.</summary>
    public const string Integration = "integration";

    public static IReadOnlyList<string> All { get; } = [Channel, Agent, Supervisor, Admin, Integration];
}

/// <summary>Authorization policies over the roles.</summary>
public static class Policies
{
    /// <summary>Channels stream events in.</summary>
    public const string Ingest = "ingest";

    /// <summary>People read customers: agents, supervisors, admins.</summary>
    public const string ReadCustomers = "read-customers";

    public const string Admin = "admin";

    /// <summary>Supervisors (and admins) watch and act on alerts.</summary>
    public const string SuperviseAlerts = "supervise-alerts";

    /// <summary>Other systems (and admins) read the change feed, query and export the population.</summary>
    public const string Integrate = "integrate";
}

namespace Engagement.Contracts;

/// <summary>
/// The store (PostgreSQL, SQLite) did not answer a grain: a provider exception does not cross the grain boundary as
/// itself (Orleans cannot serialize Npgsql's), but as this, which callers answer as "unavailable, resend". What was
/// not acknowledged may be in part applied; event ids make the resend safe.
/// </summary>
[GenerateSerializer]
public sealed class StoreUnavailableException(string message) : Exception(message);

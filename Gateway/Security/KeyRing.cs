using Engagement.Storage;
using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Engagement.Gateway.Security;

/// <summary>What a key grants: one role and, for supervisors, the teams whose alerts it sees ("*" for all).</summary>
public sealed record KeyGrant(string Name, string Role, IReadOnlyList<string> Teams);

/// <summary>One key from configuration (<c>Engagement:Keys:N:Key</c>, <c>:Role</c>, <c>:Teams</c>, optional <c>:Name</c>).</summary>
public sealed class ConfiguredKey
{
    public string Key { get; set; } = "";

    public string Role { get; set; } = "";

    public string? Name { get; set; }

    public List<string> Teams { get; set; } = [];
}

/// <summary>
/// The keys this gateway accepts. Keys are held as SHA-256 digests, so lookups do not compare secrets
/// character by character and a memory dump does not show them. The configured keys (<c>Engagement:Keys</c> and the
/// keys file) are replaced whole when either changes (<see cref="KeyReloader"/>), so a key is added or revoked without a
/// restart; a key added while running (the demo feed mints its own at start) stays across reloads.
/// </summary>
public sealed class KeyRing
{
    private readonly ConcurrentDictionary<string, KeyGrant> _added = new(StringComparer.Ordinal);
    private volatile FrozenDictionary<string, KeyGrant> _configured = FrozenDictionary<string, KeyGrant>.Empty;

    public int Count => _configured.Count + _added.Count;

    /// <summary>Adds a key for as long as this process runs, whatever reloads happen.</summary>
    public void Add(string key, KeyGrant grant)
    {
        Check(key, grant);
        _added[Digest(key)] = grant;
    }

    /// <summary>
    /// Puts <paramref name="keys"/> in place of the configured keys in force, all at once; a bad key, or none at all, refuses
    /// the whole set (an <see cref="ArgumentException"/>) and the keys in force stay.
    /// </summary>
    public void Replace(IReadOnlyCollection<(string Key, KeyGrant Grant)> keys)
    {
        if (keys.Count == 0) throw new ArgumentException("No keys are configured: set Engagement:Keys or Engagement:KeysFile.", nameof(keys));
        var grants = new Dictionary<string, KeyGrant>(StringComparer.Ordinal);
        foreach (var (key, grant) in keys)
        {
            Check(key, grant);
            grants[Digest(key)] = grant;
        }
        _configured = grants.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public KeyGrant? Find(string key)
    {
        var digest = Digest(key);
        return _configured.GetValueOrDefault(digest) ?? _added.GetValueOrDefault(digest);
    }

    /// <summary>What every key grants (not the keys): who the agents are, for a supervisor's assign picker.</summary>
    public IReadOnlyCollection<KeyGrant> Grants => [.. _configured.Values, .. _added.Values];

    private static void Check(string key, KeyGrant grant)
    {
        if (string.IsNullOrWhiteSpace(key) || key.Length < 16)
        {
            throw new ArgumentException($"The key of '{grant.Name}' is too short: use at least 16 characters.", nameof(key));
        }
        if (!Roles.All.Contains(grant.Role))
        {
            throw new ArgumentException($"The key '{grant.Name}' has role '{grant.Role}'; the roles are {string.Join(", ", Roles.All)}.", nameof(grant));
        }
    }

    private static string Digest(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>
    /// The configured keys as they stand: <c>Engagement:Keys</c> from <paramref name="configuration"/>, then the keys file
    /// (<paramref name="keysFile"/>, <c>{"channel": "...", "agent": "...", ...}</c>) when there is one.
    /// </summary>
    public static List<(string Key, KeyGrant Grant)> Read(IConfiguration configuration, string? keysFile)
    {
        var keys = new List<(string, KeyGrant)>();
        foreach (var (configured, index) in (configuration.GetSection("Engagement:Keys").Get<List<ConfiguredKey>>() ?? []).Select((k, i) => (k, i)))
        {
            var teams = configured.Teams.Count > 0 ? configured.Teams : ["*"];
            keys.Add((configured.Key, new KeyGrant(configured.Name ?? $"Engagement:Keys:{index}", configured.Role, teams)));
        }
        if (keysFile is null || !File.Exists(keysFile)) return keys;
        foreach (var (role, key) in JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(keysFile)) ?? [])
        {
            keys.Add((key, new KeyGrant($"{role} (keys file)", role, ["*"])));
        }
        return keys;
    }

    /// <summary>The embedded engine's keys file, created owner-only with a fresh random key per role when missing. Returns whether it was created now.</summary>
    public static bool CreateFileIfMissing(string path)
    {
        if (File.Exists(path)) return false;
        var keys = Roles.All.ToDictionary(role => role, _ => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24))
            .Replace('+', '-').Replace('/', '_'));
        OwnerOnly.Folder(Path.GetDirectoryName(path)!);
        OwnerOnly.WriteNewFile(path, JsonSerializer.Serialize(keys, KeysFileJson));
        return true;
    }

    private static readonly JsonSerializerOptions KeysFileJson = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

using Engagement.Storage;
using System.Collections.Concurrent;
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
/// character by character and a memory dump does not show them. A key may be added while requests are
/// checked (the demo feed mints its own at start).
/// </summary>
public sealed class KeyRing
{
    private readonly ConcurrentDictionary<string, KeyGrant> _grants = new(StringComparer.Ordinal);

    public int Count => _grants.Count;

    public void Add(string key, KeyGrant grant)
    {
        if (string.IsNullOrWhiteSpace(key) || key.Length < 16)
        {
            throw new ArgumentException($"The key of '{grant.Name}' is too short: use at least 16 characters.", nameof(key));
        }
        if (!Roles.All.Contains(grant.Role))
        {
            throw new ArgumentException($"The key '{grant.Name}' has role '{grant.Role}'; the roles are {string.Join(", ", Roles.All)}.", nameof(grant));
        }
        _grants[Digest(key)] = grant;
    }

    public KeyGrant? Find(string key) => _grants.GetValueOrDefault(Digest(key));

    /// <summary>What every key grants (not the keys): who the agents are, for a supervisor's assign picker.</summary>
    public IReadOnlyCollection<KeyGrant> Grants => [.. _grants.Values];

    private static string Digest(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>
    /// The embedded engine's keys file, <c>{"channel": "...", "agent": "...", "supervisor": "...", "admin": "...", "integration": "..."}</c>,
    /// created with fresh random keys when missing. Returns whether it was created now.
    /// </summary>
    public static bool LoadOrCreateFile(string path, KeyRing ring)
    {
        var created = false;
        Dictionary<string, string>? keys;
        if (File.Exists(path))
        {
            keys = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path));
        }
        else
        {
            keys = Roles.All.ToDictionary(role => role, _ => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24))
                .Replace('+', '-').Replace('/', '_'));
            OwnerOnly.Folder(Path.GetDirectoryName(path)!);
            OwnerOnly.WriteNewFile(path, JsonSerializer.Serialize(keys, KeysFileJson));
            created = true;
        }
        foreach (var (role, key) in keys ?? [])
        {
            ring.Add(key, new KeyGrant($"{role} (keys file)", role, ["*"]));
        }
        return created;
    }

    private static readonly JsonSerializerOptions KeysFileJson = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

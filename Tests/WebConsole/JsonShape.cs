using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Engagement.Tests.WebConsole;

/// <summary>What a path of a record's JSON holds: a value, a dictionary (its keys are data, not fields), or an object or list of them.</summary>
internal enum JsonNodeKind
{
    Value,
    Dictionary,
    Container,
}

/// <summary>
/// The paths of a record's JSON as a script addresses them: <c>satisfaction.csatMean</c>, <c>recentEvents[].eventId</c>
/// (any element), <c>profile</c> (a dictionary). Taken from the serializer's own contract for the type and from the JSON it
/// wrote for a populated instance, so names follow the options (camelCase, enum names) the way the wire does.
/// </summary>
internal static class JsonShape
{
    public static IReadOnlyDictionary<string, JsonNodeKind> Of<T>(T value, JsonSerializerOptions options, out string json)
    {
        json = JsonSerializer.Serialize(value, options);
        using var document = JsonDocument.Parse(json);
        var paths = new Dictionary<string, JsonNodeKind>(StringComparer.Ordinal);
        Walk(options.GetTypeInfo(typeof(T)), document.RootElement, "", paths, options);
        return paths;
    }

    private static void Walk(JsonTypeInfo type, JsonElement json, string path, Dictionary<string, JsonNodeKind> paths, JsonSerializerOptions options)
    {
        // A null or an empty list would hide what lies below it from the script that reads it: the instance is incomplete.
        if (json.ValueKind is JsonValueKind.Null || json.ValueKind is JsonValueKind.Array && json.GetArrayLength() == 0)
        {
            throw new ArgumentException($"{path} is {json.ValueKind} in the JSON: populate it.");
        }
        switch (type.Kind)
        {
            case JsonTypeInfoKind.Object:
                if (path.Length > 0) paths[path] = JsonNodeKind.Container;
                foreach (var property in type.Properties)
                {
                    // The instance is fully populated and the hubs write nulls, so a property missing from the JSON is one
                    // the serializer never writes ([JsonIgnore]): it is not on the wire, and there is nothing to read.
                    if (!json.TryGetProperty(property.Name, out var value)) continue;
                    Walk(options.GetTypeInfo(property.PropertyType), value, Join(path, property.Name), paths, options);
                }
                break;
            case JsonTypeInfoKind.Enumerable:
                paths[path] = JsonNodeKind.Container;
                Walk(options.GetTypeInfo(type.ElementType!), json[0], $"{path}[]", paths, options);
                break;
            case JsonTypeInfoKind.Dictionary:
                paths[path] = JsonNodeKind.Dictionary;
                break;
            default:
                paths[path] = JsonNodeKind.Value;
                break;
        }
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
}

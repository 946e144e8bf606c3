using System.Collections;
using System.Reflection;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace Engagement.Tests.Mapping;

/// <summary>
/// A record and the protobuf message it travels as, paired property by field: <c>CsatMean</c> with <c>csat_mean</c>,
/// recursively through nested records (a list of records with a repeated message, a record with a message). The
/// real differences are named, each once: a property whose field has another name, a property the wire does not carry,
/// a field the record does not have. Keys are <c>Record.Property</c> and <c>message.field</c>.
/// </summary>
internal sealed class ProtoPairing(
    IReadOnlyDictionary<string, string>? renamed = null,
    IReadOnlySet<string>? recordOnly = null,
    IReadOnlySet<string>? wireOnly = null)
{
    private readonly IReadOnlyDictionary<string, string> _renamed = renamed ?? new Dictionary<string, string>();
    private readonly IReadOnlySet<string> _recordOnly = recordOnly ?? new HashSet<string>();
    private readonly IReadOnlySet<string> _wireOnly = wireOnly ?? new HashSet<string>();

    /// <summary>Every property without a field and every field without a property (or of another shape), and every exception that no longer applies.</summary>
    public IReadOnlyList<string> Unpaired(Type record, MessageDescriptor message)
    {
        var problems = new List<string>();
        var used = new HashSet<string>();
        Pair(record, message, problems, used, new HashSet<Type>());
        problems.AddRange(_renamed.Keys.Concat(_recordOnly).Concat(_wireOnly).Where(key => !used.Contains(key))
            .Select(key => $"{key}: named as a difference, but there is no such difference (any more)"));
        return problems;
    }

    /// <summary>Every value of <paramref name="record"/> (by its path) that <paramref name="wire"/> does not carry the same.</summary>
    public IReadOnlyList<string> Lost(object record, IMessage wire)
    {
        var lost = new List<string>();
        Compare(record, wire, record.GetType().Name, lost);
        return lost;
    }

    /// <summary><c>CsatMean</c> → <c>csat_mean</c>.</summary>
    public static string SnakeCase(string pascal)
    {
        var snake = new StringBuilder();
        for (var i = 0; i < pascal.Length; i++)
        {
            if (i > 0 && char.IsUpper(pascal[i]) && !char.IsUpper(pascal[i - 1])) snake.Append('_');
            snake.Append(char.ToLowerInvariant(pascal[i]));
        }
        return snake.ToString();
    }

    private void Pair(Type record, MessageDescriptor message, List<string> problems, HashSet<string> used, HashSet<Type> seen)
    {
        if (!seen.Add(record)) return;
        var paired = new HashSet<FieldDescriptor>();
        foreach (var property in Properties(record))
        {
            var key = $"{record.Name}.{property.Name}";
            var name = FieldName(key, property, used);
            var field = message.FindFieldByName(name);
            if (_recordOnly.Contains(key))
            {
                used.Add(key);
                if (field is not null) problems.Add($"{key} is listed as not on the wire, but {message.Name}.{name} carries it");
                continue;
            }
            if (field is null)
            {
                problems.Add($"{key} has no field {message.Name}.{name}");
                continue;
            }
            paired.Add(field);
            if (Shape(property.PropertyType, field) is { } mismatch)
            {
                problems.Add($"{key} and {message.Name}.{name} differ in shape: {mismatch}");
            }
            else if (field.FieldType == FieldType.Message && !field.IsMap && field.MessageType != Timestamp.Descriptor)
            {
                Pair(Element(property.PropertyType) ?? property.PropertyType, field.MessageType, problems, used, seen);
            }
        }
        foreach (var field in message.Fields.InDeclarationOrder().Where(f => !paired.Contains(f)))
        {
            var key = $"{message.Name}.{field.Name}";
            if (_wireOnly.Contains(key)) used.Add(key);
            else problems.Add($"{key} has no property on {record.Name}");
        }
    }

    private string FieldName(string key, PropertyInfo property, HashSet<string> used)
    {
        if (!_renamed.TryGetValue(key, out var name)) return SnakeCase(property.Name);
        used.Add(key);
        return name;
    }

    /// <summary>Why a property cannot travel as the field, or null when it can.</summary>
    private static string? Shape(Type property, FieldDescriptor field)
    {
        var isDictionary = property.IsGenericType && property.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>);
        var element = Element(property);
        if (field.IsMap != isDictionary) return field.IsMap ? "a map, but not a dictionary" : "a dictionary, but not a map";
        if (field.IsMap) return null;
        if (field.IsRepeated != element is not null) return field.IsRepeated ? "repeated, but not a list" : "a list, but not repeated";
        var single = element ?? Nullable.GetUnderlyingType(property) ?? property;
        var isInstant = single == typeof(DateTimeOffset);
        var isTimestamp = field.FieldType == FieldType.Message && field.MessageType == Timestamp.Descriptor;
        if (isInstant != isTimestamp) return isTimestamp ? "a Timestamp, but not an instant" : "an instant, but not a Timestamp";
        var isRecord = single.IsClass && single != typeof(string);
        if (isRecord != (field.FieldType == FieldType.Message && !isTimestamp)) return isRecord ? "a record, but not a message" : "a message, but not a record";
        return null;
    }

    private void Compare(object record, IMessage wire, string path, List<string> lost)
    {
        foreach (var property in Properties(record.GetType()))
        {
            var key = $"{record.GetType().Name}.{property.Name}";
            if (_recordOnly.Contains(key)) continue;
            var field = wire.Descriptor.FindFieldByName(_renamed.GetValueOrDefault(key) ?? SnakeCase(property.Name));
            var at = $"{path}.{property.Name}";
            if (field is null)
            {
                lost.Add($"{at}: no field");
                continue;
            }
            var value = property.GetValue(record);
            var carried = field.HasPresence && !field.Accessor.HasValue(wire) ? null : field.Accessor.GetValue(wire);
            if (field.IsMap)
            {
                var sent = Entries((IDictionary)value!);
                var got = Entries((IDictionary)carried!);
                if (!sent.SequenceEqual(got)) lost.Add($"{at}: {string.Join(", ", sent)} arrived as {string.Join(", ", got)}");
            }
            else if (field.IsRepeated)
            {
                var sent = ((IEnumerable)value!).Cast<object>().ToList();
                var got = ((IList)carried!).Cast<object>().ToList();
                if (sent.Count != got.Count) lost.Add($"{at}: {sent.Count} items arrived as {got.Count}");
                else for (var i = 0; i < sent.Count; i++) CompareOne(sent[i], got[i], $"{at}[{i}]", lost);
            }
            else
            {
                CompareOne(value, carried, at, lost);
            }
        }
    }

    private void CompareOne(object? value, object? carried, string at, List<string> lost)
    {
        if (carried is IMessage message and not Timestamp && value is not null)
        {
            Compare(value, message, at, lost);
        }
        else if (!Same(value, carried))
        {
            lost.Add($"{at}: {value ?? "null"} arrived as {carried ?? "unset"}");
        }
    }

    /// <summary>A value and its wire form: an instant and a Timestamp, a decimal and a double, an enum and its name, null and "".</summary>
    private static bool Same(object? value, object? carried) => value switch
    {
        null => carried is null or "",
        DateTimeOffset instant => carried is Timestamp timestamp && timestamp.ToDateTimeOffset() == instant,
        decimal amount => carried is double number && (decimal)number == amount,
        Enum name => carried is string text && text == name.ToString(),
        _ => Equals(value, carried),
    };

    private static List<string> Entries(IDictionary dictionary) =>
        [.. dictionary.Keys.Cast<object>().Select(k => $"{k}={dictionary[k]}").Order(StringComparer.Ordinal)];

    private static PropertyInfo[] Properties(Type record) => record.GetProperties(BindingFlags.Public | BindingFlags.Instance);

    private static Type? Element(Type type) =>
        type != typeof(string) && type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) ? type.GetGenericArguments()[0] : null;
}

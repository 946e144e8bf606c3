using System.Reflection;

namespace Engagement.Tests.Mapping;

/// <summary>
/// A record with every property set, through nested records, lists and dictionaries, to a value of its own that is
/// not its type's default (each number, text and instant distinct; lists and dictionaries of two). Made by reflection,
/// so a property added later is populated without anyone remembering to: a mapping that forgets it then shows.
/// </summary>
internal static class Populated
{
    public static T Of<T>() where T : class => (T)new Filler().Make(typeof(T), typeof(T).Name);

    private sealed class Filler
    {
        private static readonly DateTimeOffset Epoch = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

        private int _last;

        private int Next() => ++_last;

        public object Make(Type type, string name)
        {
            if (Nullable.GetUnderlyingType(type) is { } underlying) return Make(underlying, name);
            if (type == typeof(string)) return $"{name}-{Next()}";
            if (type == typeof(bool)) return true;
            if (type == typeof(int)) return Next();
            if (type == typeof(long)) return (long)Next();
            // Quarters: exact in binary, so a decimal that travels as a double must come back exactly.
            if (type == typeof(double)) return Next() + 0.25;
            if (type == typeof(decimal)) return Next() + 0.25m;
            if (type == typeof(DateTimeOffset)) return Epoch.AddMinutes(Next());
            // The last name: never the default (the first), so a kind or state left out shows.
            if (type.IsEnum) return Enum.GetValues(type).GetValue(Enum.GetValues(type).Length - 1)!;
            if (Generic(type, typeof(IReadOnlyDictionary<,>)) is [var key, var value])
            {
                var dictionary = (System.Collections.IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(key, value))!;
                // Enum keys must differ: the last two names.
                for (var i = 0; i < 2; i++)
                {
                    dictionary.Add(key.IsEnum ? Enum.GetValues(key).GetValue(Enum.GetValues(key).Length - 1 - i)! : Make(key, $"{name}-key"), Make(value, name));
                }
                return dictionary;
            }
            if (Generic(type, typeof(IReadOnlyList<>)) is [var element])
            {
                var list = Array.CreateInstance(element, 2);
                for (var i = 0; i < list.Length; i++) list.SetValue(Make(element, name), i);
                return list;
            }
            if (type.IsClass) return Record(type);
            throw new NotSupportedException($"{name}: no value for a {type.Name}; teach {nameof(Populated)} this type.");
        }

        private object Record(Type type)
        {
            // Positional records are made through their constructor; the rest get every property set (init included).
            var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
            var parameters = constructor.GetParameters();
            var record = constructor.Invoke([.. parameters.Select(p => Make(p.ParameterType, p.Name!))]);
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.CanWrite && !parameters.Any(p => p.Name == property.Name)) property.SetValue(record, Make(property.PropertyType, property.Name));
            }
            return record;
        }

        private static Type[]? Generic(Type type, Type definition) =>
            type.IsGenericType && type.GetGenericTypeDefinition() == definition ? type.GetGenericArguments() : null;
    }
}

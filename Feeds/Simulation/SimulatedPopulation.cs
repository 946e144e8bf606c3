namespace Engagement.Feeds.Simulation;

/// <summary>
/// Makes the simulator's customers. Shares are fixed by position so that every population of a dozen or more
/// has each kind: one in ten never buys (a prospect), one in four goes quiet part-way (one in three of those
/// cancels), one in seven is unhappy (many unresolved contacts, complaints, low survey answers). Everything
/// else (rhythm, order value, activity, mood, profile) is drawn from the seeded random source.
/// </summary>
public static class SimulatedPopulation
{
    private static readonly string[] FirstNames = ["Ada", "Ben", "Chen", "Dara", "Elif", "Femi", "Gita", "Hugo", "Ines", "Jun", "Kofi", "Lena", "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Uma", "Vik", "Wen", "Yara", "Zoe"];
    private static readonly string[] LastNames = ["Adams", "Bauer", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jensen", "Kim", "Lopez", "Moreau", "Novak", "Okafor", "Patel", "Rossi", "Silva", "Tanaka", "Weber"];
    private static readonly Dictionary<string, string[]> Cities = new(StringComparer.Ordinal)
    {
        ["north"] = ["Aberdeen", "Bergen", "Tromsø"],
        ["south"] = ["Seville", "Naples", "Marseille"],
        ["east"] = ["Kraków", "Vilnius", "Bucharest"],
        ["west"] = ["Galway", "Porto", "Brest"],
    };
    private static readonly string[] Regions = [.. Cities.Keys];
    private static readonly string[] AgeBands = ["18-24", "25-34", "35-44", "45-54", "55+"];

    public static IReadOnlyList<SimulatedCustomer> Create(SimulationOptions options, Random random, DateTimeOffset now, SimulatedIds ids)
    {
        var customers = new List<SimulatedCustomer>(options.Customers);
        for (var i = 0; i < options.Customers; i++)
        {
            var prospect = i % 10 == 9;
            var quiet = i % 4 == 3;
            var cancels = i % 12 == 3; // one in three of the quiet ones
            var unhappy = i % 7 == 5;

            var mood = unhappy ? 0.3 * random.NextDouble() : 0.55 + 0.45 * random.NextDouble();
            var rhythmDays = LogUniform(random, 5, 90);
            var purchases = prospect ? 0 : 1 / rhythmDays;
            var complaints = 0.002 + 0.03 * (1 - mood) * (1 - mood);
            var contacts = 0.01 + 0.05 * (1 - mood);
            var emailOpens = 0.03 + 0.17 * random.NextDouble();
            var mix = EventMix.Of(
            [
                (EventKind.Purchase, purchases),
                (EventKind.Refund, 0.06 * purchases),
                (EventKind.Visit, 0.1 + 0.7 * random.NextDouble()),
                (EventKind.EmailOpen, emailOpens),
                (EventKind.EmailClick, emailOpens * (0.1 + 0.4 * random.NextDouble())),
                (EventKind.Call, contacts),
                (EventKind.Chat, contacts),
                (EventKind.ComplaintOpened, complaints),
                (EventKind.ComplaintResolved, 0.8 * complaints),
                (EventKind.Survey, 0.01 + 0.03 * random.NextDouble()),
                (EventKind.ProfileUpdate, 0.005),
            ]);
            var eventsPerDay = mix.TotalWeight;

            // Customers join over the history window; the quiet ones stop somewhere in the middle of their time.
            var joinedAt = now - TimeSpan.FromDays(options.HistoryDays * (0.05 + 0.95 * random.NextDouble()));
            DateTimeOffset? quietFrom = quiet ? joinedAt + (now - joinedAt) * (0.2 + 0.5 * random.NextDouble()) : null;

            var name = $"{FirstNames[random.Next(FirstNames.Length)]} {LastNames[random.Next(LastNames.Length)]}";
            var region = Regions[random.Next(Regions.Length)];
            var profile = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["name"] = name,
                ["region"] = region,
                ["city"] = City(region, random),
                ["phone"] = Phone(random),
                ["email"] = Email(name, random),
                ["age_band"] = AgeBands[random.Next(AgeBands.Length)],
            };
            customers.Add(new SimulatedCustomer($"{options.CustomerPrefix}{i + 1:00000}", profile, mix, eventsPerDay,
                orderValue: LogUniform(random, 10, 250), mood, joinedAt, quietFrom, cancels, ids));
        }
        return customers;
    }

    internal static string City(string region, Random random) => Cities[region][random.Next(Cities[region].Length)];

    internal static string Phone(Random random) => $"+1555{random.Next(1_000_000, 10_000_000)}";

    internal static string Email(string name, Random random) =>
        $"{name.Replace(' ', '.').ToLowerInvariant()}{random.Next(1, 100)}@example.com";

    private static double LogUniform(Random random, double min, double max) => Math.Exp(Math.Log(min) + random.NextDouble() * Math.Log(max / min));
}

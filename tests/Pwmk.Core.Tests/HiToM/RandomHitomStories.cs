namespace Pwmk.Core.Tests.HiToM;

/// <summary>
/// Random stories in the Hi-ToM sentence forms, longer and wider than the data set's: any number of chapters (rooms
/// re-entered), agents and objects, moves, noise, tells and public claims, true or false.
/// </summary>
internal static class RandomHitomStories
{
    private static readonly string[] s_names = ["Ava", "Ben", "Cal", "Dee", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jon"];
    private static readonly string[] s_rooms = ["hall", "den", "attic", "TV_room"];
    private static readonly string[] s_objects = ["key", "ball", "coin", "pear", "lime"];
    private static readonly string[] s_containers = ["red_box", "blue_box", "green_crate", "red_bucket", "blue_drawer", "green_basket"];

    public static string Names(IReadOnlyList<string> names) =>
        names.Count == 1 ? names[0] : string.Join(", ", names.Take(names.Count - 1)) + " and " + names[^1];

    /// <summary>A story of <paramref name="agents"/> agents (2..10) and <paramref name="chapters"/> chapters; <paramref name="claims"/> adds tells and claims after chapters.</summary>
    public static List<string> Story(Random rng, int agents, int chapters, bool claims = true)
    {
        var all = s_names.Take(agents).ToArray();
        var lines = new List<string>();
        var where = new Dictionary<string, string>(); // object -> room
        var shuffled = (string[])all.Clone();
        rng.Shuffle(shuffled);
        lines.Add($"{Names(shuffled)} entered the waiting_room.");
        for (int c = 0; c < chapters; c++)
        {
            var group = (string[])all.Clone();
            rng.Shuffle(group);
            group = group[..rng.Next(1, agents + 1)];
            string room = s_rooms[rng.Next(s_rooms.Length)];
            lines.Add($"{Names(group)} entered the {room}.");
            if (rng.Next(3) > 0 || !where.ContainsValue(room))
            {
                string o = s_objects[rng.Next(s_objects.Length)];
                where[o] = room;
                lines.Add($"The {o} is in the {Pick(rng, s_containers)}.");
            }
            var here = where.Where(kv => kv.Value == room).Select(kv => kv.Key).ToArray();
            for (int i = 0; i < group.Length; i++)
            {
                for (int k = rng.Next(3); k > 0; k--)
                {
                    string actor = group[rng.Next(i, group.Length)];
                    switch (rng.Next(4))
                    {
                        case 0: lines.Add($"{actor} made no movements and stayed in the {room} for 1 minute."); break;
                        case 1: lines.Add($"{actor} saw a cat."); break;
                        default: lines.Add($"{actor} moved the {Pick(rng, here)} to the {Pick(rng, s_containers)}."); break;
                    }
                }
                lines.Add($"{group[i]} exited the {room}.");
            }
            lines.Add($"{Names(group)} entered the waiting_room.");
            for (int k = claims ? rng.Next(4) : 0; k > 0; k--)
            {
                string speaker = Pick(rng, all), o = Pick(rng, [.. where.Keys]), box = Pick(rng, s_containers);
                if (rng.Next(2) == 0) lines.Add($"{speaker} publicly claimed that {o} is in the {box}.");
                else
                {
                    string listener = Pick(rng, all.Where(a => a != speaker).ToArray());
                    lines.Add($"{speaker} privately told {listener} that the {o} is in the {box}.");
                }
            }
        }
        return lines;
    }

    /// <summary>The objects a story names.</summary>
    public static IEnumerable<string> Objects(IEnumerable<string> story) => s_objects.Where(o => story.Any(l => l.Contains($" {o} ", StringComparison.Ordinal)));

    private static T Pick<T>(Random rng, T[] xs) => xs[rng.Next(xs.Length)];
}

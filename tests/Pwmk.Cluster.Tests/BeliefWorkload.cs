using Pwmk.Core.Beliefs;
using Pwmk.Logic.Parsing;
using Pwmk.Logic.Terms;

namespace Pwmk.Cluster.Tests;

/// <summary>
/// A seeded workload for differential tests: belief changes over a few agents (nested up to three levels, some retracted
/// again) and world facts, and belief queries with the agent bound, unbound, nested, joined across agents, with world
/// facts, negation and aggregation.
/// </summary>
internal static class BeliefWorkload
{
    private static readonly string[] s_objects = ["key", "ball", "coin"];
    private static readonly string[] s_rooms = ["room_0", "room_1", "room_2", "room_3"];

    public static string[] Agents(int n) => [.. Enumerable.Range(0, n).Select(i => "agent_" + i)];

    public static List<BeliefChange> Changes(int seed, int count, int agents)
    {
        var rng = new Random(seed);
        var names = Agents(agents);
        var changes = new List<BeliefChange>();
        var held = new List<Term>();
        foreach (var r in s_rooms) changes.Add(BeliefChange.Assert(Parse($"room({r})")));
        changes.Add(BeliefChange.Assert(Parse("door(room_0, room_1)")));
        changes.Add(BeliefChange.Assert(Parse("door(room_1, room_2)")));
        while (changes.Count < count)
        {
            if (held.Count > 0 && rng.NextDouble() < 0.2)
            {
                int i = rng.Next(held.Count);
                changes.Add(BeliefChange.Retract(held[i]));
                held.RemoveAt(i);
                continue;
            }
            string inner = $"at({s_objects[rng.Next(s_objects.Length)]}, {s_rooms[rng.Next(s_rooms.Length)]})";
            int depth = rng.Next(1, 4);
            for (int d = 1; d < depth; d++) inner = $"believes({names[rng.Next(names.Length)]}, {inner})";
            var fact = Parse($"believes({names[rng.Next(names.Length)]}, {inner})");
            changes.Add(BeliefChange.Assert(fact));
            held.Add(fact);
        }
        return changes;
    }

    /// <summary>Queries; <c>Bound</c> is true when the query's believes/2 goals all name one agent (its answers keep their order).</summary>
    public static List<(string Query, bool Bound)> Queries(int seed, int count, int agents)
    {
        var rng = new Random(seed);
        var names = Agents(agents);
        string A() => names[rng.Next(names.Length)];
        string O() => s_objects[rng.Next(s_objects.Length)];
        string R() => s_rooms[rng.Next(s_rooms.Length)];
        var templates = new Func<(string, bool)>[]
        {
            () => ($"believes({A()}, at({O()}, R))", true),
            () => ($"believes({A()}, X)", true),
            () => { var a = A(); return ($"believes({a}, believes(B, at(O, R))), believes({a}, at(O, R))", true); },
            () => ($"believes(X, at({O()}, R))", false),
            () => ($"believes(X, at(O, {R()}))", false),
            () => ($"believes(X, believes(Y, at({O()}, R)))", false),
            () => ($"believes(X, believes(Y, believes(Z, at(O, R))))", false),
            () => ($"believes(A, at({O()}, R)), believes(B, at({O()}, R)), A \\== B", false),
            () => ($"believes(A, at(O, R)), room(R), door(R, S)", false),
            () => ($"believes({A()}, at(O, R)), room(R)", true),
            () => ("aggregate_all(count, believes(_, _), N)", false),
            () => ($"aggregate_all(count, believes({A()}, _), N)", true),
            () => ($"believes(A, at({O()}, R)), \\+ believes(A, believes(_, at({O()}, R)))", false),
            () => ($"findall(_A-_R, believes(_A, at({O()}, _R)), _L0), msort(_L0, L)", false),
            () => ($"believes({A()}, believes(X, at({O()}, R))), believes(X, at({O()}, R2))", false),
            () => ("G = believes(X, Y), call(G)", false),
            () => ("room(R)", false),
        };
        var list = new List<(string, bool)>();
        for (int i = 0; i < count; i++) list.Add(templates[i % templates.Length]());
        return list;
    }

    public static Term Parse(string text) => TermReader.ParseTerm(text, OperatorTable.Default);
}

using System.Diagnostics;
using Pwmk.Core.Beliefs;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.Tests.Beliefs;

[Trait("Category", "Integration")]
public sealed class BeliefStorePersistenceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pwmk-beliefs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static string ExamplesDir()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Pwmk.slnx"))) dir = dir.Parent;
        Assert.NotNull(dir);
        return Path.Combine(dir.FullName, "examples", "beliefs");
    }

    /// <summary>Every solution of the goal as <c>writeq([V1, V2, ...])</c> lines, from the store.</summary>
    private static List<string> StoreAnswers(BeliefStore store, string goal)
    {
        var r = store.Query(goal);
        return r.Solutions.Select(s => Term.List(s.Bindings.Select(b => b.Value)).ToString()).ToList();
    }

    /// <summary>The same from SWI-Prolog consulting the file.</summary>
    internal static List<string> SwiAnswers(string file, string goal, IReadOnlyList<string> variables)
    {
        string vars = "[" + string.Join(",", variables) + "]";
        var psi = new ProcessStartInfo("swipl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-q", "-g", $"forall(({goal}), (writeq({vars}), nl))", "-t", "halt", file }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "swipl did not finish");
        Assert.True(p.ExitCode == 0, $"swipl failed ({p.ExitCode}): {stderr.Result}");
        Assert.Equal("", stderr.Result); // no warnings either
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    private static void AssertSameAsSwi(BeliefStore store, string file, string goal)
    {
        var names = store.Query(goal).Solutions.FirstOrDefault()?.Bindings.Select(b => b.Key).ToList();
        names ??= [];
        var ours = StoreAnswers(store, goal);
        var swi = SwiAnswers(file, goal, names.Count > 0 ? names : VariablesOf(goal));
        Assert.Equal(swi, ours);
    }

    private static List<string> VariablesOf(string goal)
        => System.Text.RegularExpressions.Regex.Matches(goal, @"\b[A-Z][A-Za-z0-9_]*").Select(m => m.Value).Distinct().ToList();

    private static BeliefStore SampleStore()
    {
        var store = new BeliefStore();
        store.AddPredicate(BeliefPredicate.Functional("at", 2, 1));
        store.AddPredicate(new BeliefPredicate("likes", 2));
        store.AssertFact("has(agent_0, key)");
        store.AssertFact("at(agent_0, room_1)");
        store.AssertFact("connects(room_1, door_a)");
        store.AddBelief("agent_0", "has(agent_1, key)");
        store.AddBelief("agent_0", "believes(agent_1, at(treasure, room_3))");
        store.AddBelief("agent_1", "at(treasure, room_2)");
        store.AddBelief("agent_1", "note('It''s here', \"a string\", 3.5, -7, 123456789012345678901234567890, [a, b | c], {x})");
        store.AddBelief("agent_1", "at(treasure, room_4)"); // replaces room_2
        store.AddBelief("agent_0", "NOT has(agent_0, map)");
        store.AddRule("can_unlock(A, D) :- has(A, key), at(A, R), connects(R, D)");
        store.AddRule("believes(A, can_unlock(B, D)) :- believes(A, has(B, key)), at(B, R), connects(R, D)");
        store.AddRule("same(X, X)");
        store.AddBelief("agent_0", "'odd atom'(+, -, 'A', [])");
        return store;
    }

    private static readonly string[] s_goals =
    [
        "believes(A, P)",
        "believes(agent_0, believes(B, at(T, R)))",
        "can_unlock(A, D)",
        "believes(X, can_unlock(Y, D))",
        "at(O, R)",
        "believes(agent_1, note(A, B, C, D, E, F, G))",
        "same(a, X)",
        "likes(X, Y)",
        "pwmk_functional(P, K)",
        "believes(agent_0, \\+ has(agent_0, map))",
    ];

    [Fact]
    public void Saved_file_is_consulted_by_swipl_with_the_same_answers()
    {
        var store = SampleStore();
        string file = Path.Combine(_dir, "store.pl");
        store.Save(file);
        foreach (var goal in s_goals) AssertSameAsSwi(store, file, goal);
    }

    [Fact]
    public void Save_then_load_gives_the_same_store()
    {
        var store = SampleStore();
        string file = Path.Combine(_dir, "store.pl");
        store.Save(file);
        var loaded = BeliefStore.Load(file);
        Assert.Equal(store.ToProgramText(), loaded.ToProgramText());
        foreach (var goal in s_goals) Assert.Equal(StoreAnswers(store, goal), StoreAnswers(loaded, goal));
        Assert.Equal(store.GetCounts().ByDepth, loaded.GetCounts().ByDepth);
        Assert.Equal(store.CountBeliefs("agent_0"), loaded.CountBeliefs("agent_0"));
        Assert.Equal(store.RuleCount, loaded.RuleCount);
        // the functional declaration survived
        loaded.AddBelief("agent_1", "at(treasure, room_9)");
        Assert.Equal(["[room_9]"], StoreAnswers(loaded, "believes(agent_1, at(treasure, R))"));
    }

    [Fact]
    public void Save_replaces_the_file_atomically_and_leaves_no_temporary_file()
    {
        string file = Path.Combine(_dir, "store.pl");
        File.WriteAllText(file, "old(content).\n");
        var store = SampleStore();
        store.Save(file);
        Assert.Equal(store.ToProgramText(), File.ReadAllText(file));
        Assert.Equal(["store.pl"], Directory.GetFiles(_dir).Select(Path.GetFileName));

        // a failing save (the target is a folder) keeps nothing half-written
        string folder = Path.Combine(_dir, "sub.pl");
        Directory.CreateDirectory(folder);
        Assert.ThrowsAny<IOException>(() => store.Save(folder));
        Assert.Equal(["store.pl"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("treasure_hunt.pl", "believes(agent_0, can_reach(B, T))", false)]
    [InlineData("treasure_hunt.pl", "can_reach(A, T)", false)]
    [InlineData("treasure_hunt.pl", "believes(A, believes(B, P))", false)]
    [InlineData("treasure_hunt.pl", "believes(X, can_unlock(Y, D))", false)]
    [InlineData("false_belief.pl", "will_look(A, marble, P)", false)]
    [InlineData("false_belief.pl", "false_belief(A, O)", false)]
    [InlineData("false_belief.pl", "believes(anne, believes(sally, at(marble, P)))", false)]
    [InlineData("reachability.pl", "path(room_1, Y)", false)]
    [InlineData("reachability.pl", "believes(agent_0, reachable(room_4, Y))", true)]
    [InlineData("reachability.pl", "believes(agent_1, reachable(room_2, Y))", false)]
    public void Example_programs_answer_as_swipl_and_survive_a_save(string example, string goal, bool noAnswers)
    {
        string path = Path.Combine(ExamplesDir(), example);
        var store = BeliefStore.Load(path);
        var expected = SwiAnswers(path, $"setof({string.Join("-", VariablesOf(goal))}, {goal}, L), member(S, L)", ["S"]);
        Assert.Equal(noAnswers, expected.Count == 0);
        Assert.Equal(expected, StoreAnswers(store, $"setof({string.Join("-", VariablesOf(goal))}, {goal}, L), member(S, L)").Select(Unwrap));

        string saved = Path.Combine(_dir, example);
        store.Save(saved);
        Assert.Equal(expected, SwiAnswers(saved, $"setof({string.Join("-", VariablesOf(goal))}, {goal}, L), member(S, L)", ["S"]));
    }

    // StoreAnswers lists L and S; keep S only, written as a one-element list like swipl's side.
    private static string Unwrap(string answers)
    {
        var t = Term.Parse(answers).AsList()!;
        return Term.List(t[^1]).ToString();
    }

    [Fact]
    public void Example_false_belief_revision_uses_the_programs_incompatibility_rule()
    {
        var store = BeliefStore.Load(Path.Combine(ExamplesDir(), "false_belief.pl"));
        Assert.Equal(4, store.BeliefCount);
        Assert.Equal(2, store.CountAtDepth(2));
        var rev = store.Revise("sally", "at(marble, box)");
        Assert.Equal(["at(marble,basket)"], rev.Removed.Select(b => b.Content.ToString()));
        Assert.False(store.Holds("false_belief(sally, marble)"));
        Assert.True(store.Holds("believes(anne, believes(sally, at(marble, basket)))"));
    }

    [Fact]
    public void Bad_program_names_file_line_and_column_and_changes_nothing()
    {
        var store = SampleStore();
        string before = store.ToProgramText();
        var cases = new (string Text, string Expect, int Line)[]
        {
            ("ok(1).\nok(2).\nbroken(a, .\n", "syntax error", 3),
            ("ok(1).\n:- initialization(main).\n", "not allowed", 2),
            ("ok(1).\n\nbelieves(agent_0, at(key, r1)).\natom(x) :- true.\n", "cannot store rule", 4),
            ("ok(1).\npwmk_functional(at/2, [3]).\n", "bad declaration", 2),
            ("ok(1).\npwmk_functional(at/2, [1, 2]).\n", "all its arguments", 2),
            ("ok(1).\nbelieves(a, believes(b, believes(c, believes(d, believes(e, believes(f, believes(g, believes(h, believes(i, p))))))))).\n", "deeper than the limit", 2),
            ("ok(1).\n\u0001\u0002\u0003 garbage (((\n", "syntax error", 2),
        };
        foreach (var (text, expect, line) in cases)
        {
            var e = Assert.Throws<BeliefStoreException>(() => store.Consult(text, "input.pl"));
            Assert.Contains(expect, e.Message);
            Assert.Equal("input.pl", e.Source);
            Assert.Equal(line, e.Line);
            Assert.Equal(before, store.ToProgramText());
        }
        Assert.Throws<Pwmk.Logic.PrologException>(() => store.Query("ok(X)")); // ok/1 was never defined
        Assert.Equal(0, store.CountFacts("ok", 1));
    }

    [Fact]
    public void Consult_adds_to_the_store_in_one_step()
    {
        var store = SampleStore();
        int facts = store.FactCount;
        store.Consult(":- op(700, xfx, knows).\nann knows bob.\nbelieves(agent_2, at(treasure, room_1)).\nbelieves(agent_1, at(treasure, room_8)).\n", "more.pl");
        Assert.Equal(facts + 2, store.FactCount); // agent_1's at/2 replaced its old value
        Assert.True(store.Holds("ann knows bob"));
        Assert.Equal(["[room_8]"], StoreAnswers(store, "believes(agent_1, at(treasure, R))"));
        // the operator and its clauses survive a save read by swipl
        string file = Path.Combine(_dir, "ops.pl");
        store.Save(file);
        Assert.Equal(["[ann,bob]"], SwiAnswers(file, "X knows Y", ["X", "Y"]));
    }

    [Fact]
    public void Missing_file_is_a_clear_error()
    {
        var e = Assert.Throws<BeliefStoreException>(() => BeliefStore.Load(Path.Combine(_dir, "nope.pl")));
        Assert.Contains("file not found", e.Message);
        Assert.Contains("nope.pl", e.Message);
    }
}

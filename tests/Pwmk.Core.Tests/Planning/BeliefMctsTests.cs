using System.Text.Json;
using Pwmk.Core.Planning;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.Tests.Planning;

public class BeliefMctsTests
{
    /// <summary>From 0: "safe" goes 0 -> 1 -> 2 (goal); "risky" reaches the goal with p = 0.3, else a dead end (-1).</summary>
    private sealed class Gamble : IBeliefDynamics<int>
    {
        public IReadOnlyList<string> Actions(int s) => s switch { 0 => ["risky", "safe"], 1 => ["safe"], _ => [] };

        public IReadOnlyList<(int Next, double Probability)> Outcomes(int s, string action) =>
            action == "risky" ? [(2, 0.3), (-1, 0.7)] : [(s + 1, 1.0)];

        public bool IsGoal(int s) => s == 2;
    }

    [Fact]
    public void PrefersTheSureLongerPathOverTheGamble()
    {
        var result = new BeliefMcts<int>(new Gamble(), cPuct: 1.0, numSimulations: 400, maxDepth: 5, seed: 7).Search(0);
        Assert.Equal("safe", result.BestAction);
        Assert.Equal(["safe", "safe"], result.PrincipalVariation);
        Assert.Equal(400, result.Tree.Visits);
        var safe = result.Tree.Children.Where(c => c.Action == "safe").Sum(c => c.Visits);
        var risky = result.Tree.Children.Where(c => c.Action == "risky").Sum(c => c.Visits);
        Assert.True(safe > risky, $"safe {safe}, risky {risky}");
    }

    [Fact]
    public void FindsTheDeceptionPlanInTheBoxWorldAndExportsTheTree()
    {
        var red = Term.Parse("in(key, red_box)");
        var blue = Term.Parse("in(key, blue_box)");
        var present = Term.Parse("present(agent_1)");
        var always = Term.Parse("true");
        var both = new Dictionary<string, Term> { ["agent_0"] = always, ["agent_1"] = always };
        var seen = new Dictionary<string, Term> { ["agent_0"] = always, ["agent_1"] = present };
        var domain = new EpistemicDomain(["agent_0", "agent_1"], [red, blue, present],
        [
            new DomainAction("leave_1", present, [], [present], both),
            new DomainAction("return_1", Term.Parse("NOT present(agent_1)"), [present], [], both),
            new DomainAction("move_red_to_blue", red, [blue], [red], seen),
            new DomainAction("move_blue_to_red", blue, [red], [blue], seen),
        ]);
        var planner = new EpistemicPlanner(domain, searchDepth: 6);
        var goal = Goal.Parse("in(key, blue_box) AND believes(agent_1, in(key, red_box))");
        var (dynamics, root) = planner.Dynamics(new EpistemicWorldState([red, present]), goal);
        var result = new BeliefMcts<EpistemicBeliefState>(dynamics, numSimulations: 300, maxDepth: 6, seed: 1).Search(root);
        Assert.Equal(["leave_1", "move_red_to_blue"], result.PrincipalVariation);

        using var json = JsonDocument.Parse(result.ToJson());
        Assert.Equal("leave_1", json.RootElement.GetProperty("bestAction").GetString());
        var tree = json.RootElement.GetProperty("tree");
        Assert.Equal(300, tree.GetProperty("visits").GetInt32());
        Assert.True(tree.GetProperty("children").GetArrayLength() >= 1);
    }
}

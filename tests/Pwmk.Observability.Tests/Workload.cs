using Pwmk.Core.Beliefs;
using Pwmk.Core.Environments;
using Pwmk.Core.Planning;
using Pwmk.Core.Planning.Mastar;
using Pwmk.Core.WorldModel;

namespace Pwmk.Observability.Tests;

/// <summary>A small real workload through the domain code paths (belief store, environment, planner, world model).</summary>
internal static class Workload
{
    public const string Solvable = """
        fluent door_open;
        action open;
        agent a, b;
        executable open if -door_open;
        open causes door_open;
        a observes open;
        initially -door_open;
        goal B(a, door_open);
        """;

    public const string Unsolvable = """
        fluent door_open, locked;
        action open;
        agent a;
        executable open if -door_open;
        open causes door_open;
        a observes open;
        initially -door_open, -locked;
        goal B(a, locked);
        """;

    public static BeliefStore Beliefs()
    {
        var store = new BeliefStore();
        store.AddBelief("sally", "at(marble, basket)");
        store.AddBelief("anne", "at(marble, box)");
        store.AddBelief("anne", "believes(sally, at(marble, basket))");
        store.AssertFact("at(marble, box)");
        return store;
    }

    public static void QueryBeliefs(BeliefStore store)
    {
        store.Query("believes(X, at(marble, R))");
        store.Holds("believes(sally, at(marble, basket))");
        store.Query("believes(anne, X), believes(sally, Y)");
    }

    public static void Episode(int seed = 0)
    {
        var layout = new RoomsLayout().AddContainer("basket", "kitchen").AddContainer("chest", "attic").AddObject("apple", "basket");
        var env = new RoomsWorld(["a", "b"], layout, beliefDepth: 2);
        env.Reset(seed);
        env.Act("a", RoomsAction.Enter("kitchen"));
        env.Act("b", RoomsAction.Enter("kitchen"));
    }

    public static MastarPlan Plan(bool solvable = true) =>
        MastarPlanner.Solve(MastarProblem.Parse(solvable ? Solvable : Unsolvable), new PlanSearchOptions(SearchStrategy.Bfs, TimeSpan.FromSeconds(5)));

    public static WorldModelPrediction Forward(PerspectiveWorldModel? model = null)
    {
        model ??= new PerspectiveWorldModel(obsDim: 4, actionDim: 2, hiddenDim: 8, numAgents: 2, numBeliefs: 2);
        return model.Forward(new float[2 * 2 * 4], [0, 1, 1, 0], null, batchSize: 2);
    }
}

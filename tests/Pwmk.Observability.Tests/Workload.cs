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
        var game = new HideAndSeek(arenaSize: 6, numHiders: 1, numSeekers: 1, episodeLength: 3);
        game.Reset(seed);
        var noop = new int[game.Agents.Count];
        while (!game.Step(noop).Done) { }
    }

    /// <summary>One epoch of world-model training on a tiny dataset (records pwmk_world_model_training_loss).</summary>
    public static void Train()
    {
        const int episodes = 2, steps = 3, agents = 2, obs = 4, beliefs = 2;
        var rng = new Random(1);
        var o = new float[episodes * (steps + 1) * agents * obs];
        for (int i = 0; i < o.Length; i++) o[i] = (float)rng.NextDouble();
        var data = new TrajectoryDataset(episodes, steps, agents, obs, beliefs, o, new int[episodes * steps * agents],
            new float[episodes * (steps + 1) * agents * beliefs], new float[episodes * (steps + 1) * beliefs], [steps, steps]);
        var model = new PerspectiveWorldModel(obsDim: obs, actionDim: 2, hiddenDim: 8, numAgents: agents, numBeliefs: beliefs);
        new WorldModelTrainer(model, new TrainerConfig { BatchSize = 4 }).Fit(data, null, epochs: 1);
    }

    public static PlanResult Plan(bool solvable = true) =>
        MastarPlanner.Solve(MastarProblem.Parse(solvable ? Solvable : Unsolvable), new PlanSearchOptions(SearchStrategy.Bfs, TimeSpan.FromSeconds(5)));

    public static WorldModelPrediction Forward(PerspectiveWorldModel? model = null)
    {
        model ??= new PerspectiveWorldModel(obsDim: 4, actionDim: 2, hiddenDim: 8, numAgents: 2, numBeliefs: 2);
        return model.Forward(new float[2 * 2 * 4], [0, 1, 1, 0], null, batchSize: 2);
    }
}

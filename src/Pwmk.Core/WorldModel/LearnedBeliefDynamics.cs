using Pwmk.Core.Planning;
using Pwmk.Tensors;

namespace Pwmk.Core.WorldModel;

/// <summary>
/// A state imagined by a learned world model: the observations the agents are (predicted to be) reading, the state the
/// model carries into the next step, and what every agent believes ([agent, belief slot] logits, groups of
/// <see cref="WorldModelConfig.BeliefGroupSize"/>).
/// </summary>
public sealed class ImaginedState
{
    internal ImaginedState(float[] observations, RecurrentState? carried, float[] beliefLogits)
    {
        Observations = observations;
        Carried = carried;
        BeliefLogits = beliefLogits;
    }

    internal float[] Observations { get; }

    internal RecurrentState? Carried { get; }

    internal float[] BeliefLogits { get; }
}

/// <summary>
/// A trained <see cref="PerspectiveWorldModel"/> (recurrent, with belief groups) as the dynamics and belief predictor of
/// a <see cref="BeliefMcts{TState}"/> search over a <see cref="PerspectiveEnvAdapter"/> environment: an action is one
/// agent's (the others wait), its outcome is the model's next step from the imagined state (the predicted observations
/// read as the next ones, the predicted beliefs carried as what the agents then believe: an imagined rollout), and the
/// goal, a PWMK goal about beliefs (<c>believes(agent_0, at(key, chest))</c>), is read on the predicted beliefs. Where
/// the model is unsure whether a goal belief will hold (probability between <see cref="BranchThreshold"/> and one minus
/// it), the action has two outcomes with those probabilities, the belief set or ruled out, so the search weighs what
/// the agent may find (entering a room may or may not show the key). The world itself is not predicted: goals naming a
/// fact outside beliefs are refused. <see cref="Observe(ImaginedState, ReadOnlySpan{int}, ReadOnlySpan{float})"/> keeps the state in step with the real environment.
/// </summary>
public sealed class LearnedBeliefDynamics : IBeliefDynamics<ImaginedState>
{
    /// <summary>A goal belief the model gives a probability between this and one minus this splits the outcome in two.</summary>
    public const double BranchThreshold = 0.05;

    private const float Certain = 12f;

    private readonly PerspectiveWorldModel model;
    private readonly PerspectiveEnvAdapter env;
    private readonly BeliefGoal goal;
    private readonly int agent;
    private readonly IReadOnlyList<(int Action, string Name)> actions;
    private readonly Dictionary<string, int> actionIds = new(StringComparer.Ordinal);
    private readonly string[] actionNames;

    /// <summary>
    /// Plans for <paramref name="actingAgent"/> of <paramref name="environment"/> with <paramref name="learned"/> towards
    /// <paramref name="target"/>; throws <see cref="ArgumentException"/> when the model does not fit the environment or the
    /// goal names a world fact or a belief the environment does not track.
    /// </summary>
    public LearnedBeliefDynamics(PerspectiveWorldModel learned, PerspectiveEnvAdapter environment, Goal target, string actingAgent)
    {
        ArgumentNullException.ThrowIfNull(learned);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(target);
        var c = learned.Config;
        if (!c.Recurrent || c.BeliefGroupSize != environment.BeliefGroupSize || c.NumBeliefs != environment.NumBeliefs
            || c.ObsDim != environment.ObservationSize || c.ActionDim != environment.NumActions || c.NumAgents != environment.NumAgents)
        {
            throw new ArgumentException($"the model ({c.NumAgents} agents, {c.ObsDim} observation values, {c.NumBeliefs} beliefs, recurrent {c.Recurrent}) " +
                $"is not a recurrent model of {environment.Name} ({environment.NumAgents} agents, {environment.ObservationSize} values, {environment.NumBeliefs} beliefs)",
                nameof(learned));
        }
        model = learned;
        env = environment;
        agent = environment.Env.AgentId(actingAgent);
        goal = new BeliefGoal(environment, target);
        actions = environment.PlanningActions();
        actionNames = [.. actions.Select(a => a.Name)];
        foreach (var (id, name) in actions)
        {
            actionIds[name] = id;
        }
    }

    /// <summary>The state at the start of an episode: nothing read yet, only <paramref name="observations"/> [agent, value].</summary>
    public ImaginedState Start(ReadOnlySpan<float> observations) => Start(model, env, observations);

    /// <summary>
    /// Filtering: the state after the real joint action <paramref name="jointActions"/> (adapter ids) was taken in
    /// <paramref name="state"/> and the agents then observed <paramref name="observations"/>.
    /// </summary>
    public ImaginedState Observe(ImaginedState state, ReadOnlySpan<int> jointActions, ReadOnlySpan<float> observations) =>
        Observe(model, env, state, jointActions, observations);

    /// <summary><see cref="Start(ReadOnlySpan{float})"/> for <paramref name="model"/> of <paramref name="env"/>, whatever the goal.</summary>
    internal static ImaginedState Start(PerspectiveWorldModel model, PerspectiveEnvAdapter env, ReadOnlySpan<float> observations)
    {
        CheckObservations(env, observations);
        var obs = observations.ToArray();
        // what the agents believe on their first observation: the evidence read with nothing carried (the model's own rule)
        var step = Run(model, env, obs, new int[env.NumAgents].Fill(env.Noop), null);
        return new ImaginedState(obs, null, step.State.BeliefLogits?.Data.ToArray() ?? step.BeliefLogits.Data.ToArray());
    }

    /// <summary><see cref="Observe(ImaginedState, ReadOnlySpan{int}, ReadOnlySpan{float})"/> for <paramref name="model"/> of <paramref name="env"/>.</summary>
    internal static ImaginedState Observe(PerspectiveWorldModel model, PerspectiveEnvAdapter env, ImaginedState state, ReadOnlySpan<int> jointActions,
        ReadOnlySpan<float> observations)
    {
        ArgumentNullException.ThrowIfNull(state);
        CheckObservations(env, observations);
        var step = Run(model, env, state.Observations, jointActions.ToArray(), state.Carried);
        var obs = observations.ToArray();
        var read = Run(model, env, obs, new int[env.NumAgents].Fill(env.Noop), step.State);
        return new ImaginedState(obs, step.State, read.State.BeliefLogits?.Data.ToArray() ?? step.BeliefLogits.Data.ToArray());
    }

    private static void CheckObservations(PerspectiveEnvAdapter env, ReadOnlySpan<float> observations)
    {
        if (observations.Length != env.NumAgents * env.ObservationSize)
        {
            throw new ArgumentException($"expected {env.NumAgents}x{env.ObservationSize} observation values, got {observations.Length}", nameof(observations));
        }
    }

    private static StepOutput Run(PerspectiveWorldModel model, PerspectiveEnvAdapter env, float[] observations, int[] joint, RecurrentState? carried)
    {
        using var noGrad = Tensor.NoGrad();
        return model.Step(new Tensor(observations, 1, env.NumAgents, env.ObservationSize), PerspectiveWorldModel.DefaultAgentIds(1, env.NumAgents), joint, carried);
    }

    /// <summary>The joint action (adapter ids) in which the acting agent takes <paramref name="action"/> and the others wait.</summary>
    public int[] JointAction(string action)
    {
        if (!actionIds.TryGetValue(action, out int id))
        {
            throw new ArgumentException($"unknown action '{action}'", nameof(action));
        }
        var joint = new int[env.NumAgents].Fill(env.Noop);
        joint[agent] = id;
        return joint;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> Actions(ImaginedState state) => actionNames;

    /// <inheritdoc />
    public IReadOnlyList<(ImaginedState Next, double Probability)> Outcomes(ImaginedState state, string action)
    {
        ArgumentNullException.ThrowIfNull(state);
        var step = Run(model, env, state.Observations, JointAction(action), state.Carried);
        var next = step.NextObservations.Data.ToArray();
        var logits = step.BeliefLogits.Data.ToArray();
        int g = env.BeliefGroupSize;
        foreach (var (group, value) in goal.Beliefs)
        {
            var slots = logits.AsSpan(group * g, g);
            double p = Probability(slots, value + 1);
            if (p < BranchThreshold || p > 1 - BranchThreshold)
            {
                continue;
            }
            var yes = (float[])logits.Clone();
            var no = logits;
            yes.AsSpan(group * g, g).Fill(-Certain);
            yes[group * g + value + 1] = Certain;
            no[group * g + value + 1] = -Certain;
            return [(Imagined(next, step, yes), p), (Imagined(next, step, no), 1 - p)];
        }
        return [(Imagined(next, step, logits), 1.0)];
    }

    /// <summary>The next imagined state: the predicted beliefs are what the agents believe then, and are carried on.</summary>
    private ImaginedState Imagined(float[] observations, StepOutput step, float[] logits) =>
        new(observations, new RecurrentState(step.State.Carry, new Tensor(logits, step.BeliefLogits.Shape)), logits);

    private static double Probability(ReadOnlySpan<float> logits, int slot)
    {
        float max = float.NegativeInfinity;
        foreach (var x in logits)
        {
            max = Math.Max(max, x);
        }
        double sum = 0;
        foreach (var x in logits)
        {
            sum += Math.Exp(x - max);
        }
        return Math.Exp(logits[slot] - max) / sum;
    }

    /// <inheritdoc />
    public bool IsGoal(ImaginedState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return goal.HoldsOn(state.BeliefLogits);
    }
}

/// <summary>
/// A PWMK goal about beliefs read on a <see cref="PerspectiveEnvAdapter"/>'s belief layout ([agent, slot]: logits,
/// probabilities or the one-hot <see cref="PerspectiveEnvAdapter.GetBeliefGroundTruth"/>), each group read as its most
/// likely value. Goals naming a world fact outside beliefs, or a chain the adapter does not track, are refused.
/// </summary>
public sealed class BeliefGoal
{
    private readonly PerspectiveEnvAdapter env;
    private readonly EnvironmentGoal goal;
    private readonly int[] groups; // per (goal chain, goal fluent): the adapter's group, or -1

    /// <summary>Reads <paramref name="target"/> in <paramref name="environment"/>'s vocabulary; throws <see cref="ArgumentException"/> naming the bad part.</summary>
    public BeliefGoal(PerspectiveEnvAdapter environment, Goal target)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(target);
        env = environment;
        goal = EnvironmentGoal.Compile(environment.Env, target);
        var beliefs = new List<(int, int)>();
        foreach (var node in Nodes(goal))
        {
            switch (node)
            {
                case EnvironmentGoal.FactNode:
                    throw new ArgumentException("a learned model predicts beliefs, not the world: write the goal about beliefs (believes(agent, fact))", nameof(target));
                case EnvironmentGoal.BeliefNode b:
                    int group = environment.BeliefGroup(goal.Chains[b.Chain], b.Fluent);
                    if (group < 0)
                    {
                        throw new ArgumentException($"the model does not track the belief chain {string.Join('.', goal.Chains[b.Chain])} of the goal", nameof(target));
                    }
                    if (!b.Negated)
                    {
                        beliefs.Add((group, b.Value));
                    }
                    break;
            }
        }
        Beliefs = [.. beliefs];
        groups = new int[goal.Chains.Count * goal.Fluents.Count];
        for (int c = 0; c < goal.Chains.Count; c++)
        {
            for (int f = 0; f < goal.Fluents.Count; f++)
            {
                groups[c * goal.Fluents.Count + f] = environment.BeliefGroup(goal.Chains[c], goal.Fluents[f]);
            }
        }
    }

    /// <summary>The (group, value id) pairs the goal wants believed (its positive belief parts).</summary>
    internal IReadOnlyList<(int Group, int Value)> Beliefs { get; }

    private static IEnumerable<EnvironmentGoal.Node> Nodes(EnvironmentGoal g)
    {
        var stack = new Stack<EnvironmentGoal.Node>(g.Parts);
        if (g.Invariant is not null)
        {
            stack.Push(g.Invariant);
        }
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            yield return n;
            var inner = n switch
            {
                EnvironmentGoal.AndNode a => a.Parts,
                EnvironmentGoal.OrNode o => o.Parts,
                EnvironmentGoal.NotNode x => [x.Inner],
                _ => [],
            };
            foreach (var i in inner)
            {
                stack.Push(i);
            }
        }
    }

    /// <summary>Whether the goal holds on <paramref name="beliefs"/> (all agents' belief slots, each group read by its largest value).</summary>
    public bool HoldsOn(ReadOnlySpan<float> beliefs)
    {
        if (beliefs.Length != env.NumAgents * env.NumBeliefs)
        {
            throw new ArgumentException($"expected {env.NumAgents}x{env.NumBeliefs} belief values, got {beliefs.Length}", nameof(beliefs));
        }
        int g = env.BeliefGroupSize;
        var held = new int[groups.Length];
        for (int i = 0; i < groups.Length; i++)
        {
            held[i] = groups[i] < 0 ? 0 : WorldModelTrainer.ArgMax(beliefs.Slice(groups[i] * g, g)); // slot = value id + 1
        }
        return goal.Distance(env.Env, held) == 0;
    }
}

internal static class ArrayFill
{
    public static int[] Fill(this int[] xs, int value)
    {
        Array.Fill(xs, value);
        return xs;
    }
}

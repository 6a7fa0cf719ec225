using Pwmk.Core.Beliefs;
using Pwmk.Core.Environments;
using Pwmk.Core.Planning.Mastar;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.Planning;

/// <summary>
/// The epistemic planner's PWMK-goal front door: <c>EpistemicPlanner(model, beliefStore, searchDepth)</c> and
/// <c>Plan(initialState, goal, timeout)</c>. The model is either an environment (<see cref="PerspectiveEnv"/>:
/// <see cref="RoomsWorld"/>, <see cref="MultiAgentBoxWorld"/>, <see cref="HideAndSeek"/>), planned on copies of
/// it through its own step function and witness rules from its current state and tracked beliefs (see
/// <see cref="EnvironmentPlanner"/>), or an <see cref="EpistemicDomain"/>, compiled to mA* (facts become
/// fluents, witnesses become <c>observes</c> conditions, <c>believes/2</c> becomes <c>B</c>, <c>AND/OR/NOT</c>
/// become conjunction, disjunction and negation) and searched with product update over bisimulation-contracted
/// states. Both run on the one search engine of <see cref="MastarPlanner"/>, within <c>searchDepth</c> actions.
/// The belief store, when given, supplies rules, so goals may name derived predicates (such as
/// <c>can_unlock(agent_0, door)</c>), unfolded into the model's facts and beliefs before planning.
/// </summary>
public sealed class EpistemicPlanner
{
    private readonly SearchStrategy _strategy;
    private readonly IReadOnlyList<string>? _acting;

    /// <summary>A planner over a compiled domain (no belief store).</summary>
    public EpistemicPlanner(EpistemicDomain domain, int searchDepth, SearchStrategy strategy = SearchStrategy.Bfs)
        : this(domain, null, searchDepth, strategy)
    {
    }

    /// <summary>A planner over a compiled domain whose goals may use <paramref name="beliefStore"/>'s rules.</summary>
    public EpistemicPlanner(EpistemicDomain model, BeliefStore? beliefStore, int searchDepth, SearchStrategy strategy = SearchStrategy.Bfs)
    {
        Domain = model ?? throw new ArgumentNullException(nameof(model));
        BeliefStore = beliefStore;
        SearchDepth = PlanSearchOptions.CheckSearchDepth(searchDepth);
        _strategy = strategy;
    }

    /// <summary>
    /// A planner over an environment: plans use its own actions, step function and witness rules;
    /// <paramref name="actingAgents"/> limits who may act (null: every agent).
    /// </summary>
    public EpistemicPlanner(PerspectiveEnv model, BeliefStore? beliefStore, int searchDepth, SearchStrategy strategy = SearchStrategy.Bfs,
        IReadOnlyList<string>? actingAgents = null)
    {
        Environment = model ?? throw new ArgumentNullException(nameof(model));
        BeliefStore = beliefStore;
        SearchDepth = PlanSearchOptions.CheckSearchDepth(searchDepth);
        _strategy = strategy;
        _acting = actingAgents;
    }

    /// <summary>The compiled domain planned in (null for an environment model).</summary>
    public EpistemicDomain? Domain { get; }

    /// <summary>The environment planned in (null for a compiled domain).</summary>
    public PerspectiveEnv? Environment { get; }

    /// <summary>Rules for derived predicates in goals (null: goals name the model's facts only).</summary>
    public BeliefStore? BeliefStore { get; }

    /// <summary>When cancelled, a plan under way stops early (<see cref="PlanStatus.Cancelled"/>): its caller no longer waits for it.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Longest plan considered.</summary>
    public int SearchDepth { get; }

    /// <summary>Plans from an environment model's current state and tracked beliefs (see <see cref="Plan(EpistemicWorldState?, Goal, TimeSpan, int)"/>).</summary>
    public PlanResult Plan(Goal goal, TimeSpan timeout, int maxNodes = 200_000) => Plan(null, goal, timeout, maxNodes);

    /// <summary>
    /// Finds a shortest plan (with BFS) from <paramref name="initialState"/> to <paramref name="goal"/>: for a
    /// domain, the given world and beliefs (required); for an environment, null (the environment's current state
    /// and tracked beliefs). Throws <see cref="ArgumentException"/> for goals or preconditions naming unknown
    /// facts or agents, and for a missing or unexpected initial state.
    /// </summary>
    /// <returns>The plan with its belief trajectory (state 0 before the first action) and the <see cref="PlanResult.Goal"/> planned
    /// for; for an environment also its <see cref="PlanResult.Steps"/>, for a domain its <see cref="PlanResult.Initial"/> state.</returns>
    public PlanResult Plan(EpistemicWorldState? initialState, Goal goal, TimeSpan timeout, int maxNodes = 200_000)
    {
        var cancellation = Cancellation;
        ArgumentNullException.ThrowIfNull(goal);
        var expanded = Expand(goal);
        if (Environment is { } env)
        {
            if (initialState is not null)
                throw new ArgumentException("an environment model plans from the environment's current state and tracked beliefs; pass no initial state", nameof(initialState));
            return new EnvironmentPlanner(env, SearchDepth, _strategy, _acting).Plan(expanded, timeout, maxNodes, cancellation) with { Goal = goal };
        }
        if (initialState is null)
            throw new ArgumentException("a domain model needs an initial state (true facts and beliefs)", nameof(initialState));
        var compiled = new DomainCompiler(Domain!);
        var problem = compiled.Build(initialState, expanded, out var invariant);
        var result = MastarPlanner.Solve(problem,
            new PlanSearchOptions(_strategy, timeout, maxNodes, MaxDepth: SearchDepth), invariant, "epistemic", cancellation);
        var trajectory = new List<IReadOnlyList<AgentBeliefs>>();
        if (result.Solved)
        {
            var state = problem.Initial;
            trajectory.Add(compiled.Beliefs(problem, state));
            foreach (var a in result.Actions)
            {
                state = problem.Apply(state, a)!;
                trajectory.Add(compiled.Beliefs(problem, state));
            }
        }
        return result with { BeliefTrajectory = trajectory, Goal = goal, Initial = initialState };
    }

    /// <summary>
    /// Replays <paramref name="plan"/> (made by this planner) under <paramref name="trueDynamics"/>: an environment
    /// (a copy of it, from its current state and beliefs, possibly another configuration such as a larger view
    /// radius) for plans of an environment model, or a domain (the same action names, possibly other effects or
    /// witnesses, from the plan's initial state) for plans of a domain. Says whether every step could run and
    /// whether the plan's goal holds at the end (and its maintenance goal all along).
    /// </summary>
    public PlanEvaluation EvaluatePlan(PlanResult plan, PerspectiveEnv trueDynamics)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(trueDynamics);
        var goal = plan.Goal ?? throw new ArgumentException("the plan carries no goal", nameof(plan));
        if (plan.Steps is null) throw new ArgumentException("the plan was made in a domain, not an environment", nameof(plan));
        return EnvironmentPlanner.EvaluatePlan(plan, trueDynamics, Expand(goal));
    }

    /// <inheritdoc cref="EvaluatePlan(PlanResult, PerspectiveEnv)"/>
    public PlanEvaluation EvaluatePlan(PlanResult plan, EpistemicDomain trueDynamics)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(trueDynamics);
        var goal = plan.Goal ?? throw new ArgumentException("the plan carries no goal", nameof(plan));
        var initial = plan.Initial ?? throw new ArgumentException("the plan was made in an environment, not a domain", nameof(plan));
        return EvaluatePlan(plan, trueDynamics, initial, Expand(goal));
    }

    /// <summary>The goal with the belief store's derived predicates unfolded into the model's facts.</summary>
    private Goal Expand(Goal goal)
    {
        if (BeliefStore is null) return goal;
        var kinds = Environment is { } env ? ModelFacts(env) : Domain!.Facts.Select(f => f is Compound c ? (c.Functor, c.Arity) : (f.ToString(), 0)).ToList();
        return UnfoldDerived(goal, BeliefStore, kinds);
    }

    /// <summary>The predicates (name and arity) of an environment's facts: what a goal about it names without rules.</summary>
    public static IReadOnlyList<(string Name, int Arity)> ModelFacts(PerspectiveEnv env)
    {
        ArgumentNullException.ThrowIfNull(env);
        var v = env.Vocabulary;
        var kinds = new HashSet<(string, int)>();
        for (int f = 0; f < v.FluentCount && v.ValueCount > 0; f++)
            if (v.Fact(f, 0) is Compound c) kinds.Add((c.Functor, c.Arity));
        return [.. kinds.Order()];
    }

    /// <summary>
    /// <paramref name="goal"/> with the predicates <paramref name="beliefStore"/>'s rules derive unfolded into
    /// <paramref name="modelFacts"/> and beliefs, as a planner with that store plans it: the unfolded goal, planned without
    /// a store, gives the same plan (so it can be planned where the store is not). Throws <see cref="ArgumentException"/>
    /// as <see cref="Plan(Goal, TimeSpan, int)"/> does for rules that do not unfold.
    /// </summary>
    public static Goal UnfoldDerived(Goal goal, BeliefStore beliefStore, IEnumerable<(string Name, int Arity)> modelFacts)
    {
        ArgumentNullException.ThrowIfNull(goal);
        ArgumentNullException.ThrowIfNull(beliefStore);
        ArgumentNullException.ThrowIfNull(modelFacts);
        var kinds = modelFacts.ToHashSet();
        return DerivedGoals.Expand(beliefStore, (name, arity) => kinds.Contains((name, arity)), goal);
    }

    /// <summary>
    /// The domain as dynamics for <see cref="BeliefMcts{TState}"/>, with the root belief state built
    /// from <paramref name="initial"/> (actions are deterministic here; a learned world model can
    /// supply stochastic outcomes through its own <see cref="IBeliefDynamics{TState}"/>).
    /// </summary>
    public (IBeliefDynamics<EpistemicBeliefState> Dynamics, EpistemicBeliefState Root) Dynamics(EpistemicWorldState initial, Goal goal)
    {
        var domain = Domain ?? throw new InvalidOperationException("belief-MCTS dynamics come from a domain model, not an environment");
        var problem = new DomainCompiler(domain).Build(initial, Expand(goal), out var invariant);
        return (new EpistemicDynamics(problem, invariant), new EpistemicBeliefState(problem.Initial));
    }

    /// <summary>
    /// Replays <paramref name="plan"/> under <paramref name="trueDynamics"/> (the same action names,
    /// possibly other effects or witnesses) and says whether every step was executable and the goal holds.
    /// </summary>
    public static PlanEvaluation EvaluatePlan(PlanResult plan, EpistemicDomain trueDynamics, EpistemicWorldState initial, Goal goal)
    {
        var compiled = new DomainCompiler(trueDynamics);
        var problem = compiled.Build(initial, goal, out var invariant);
        var state = problem.Initial;
        for (var i = 0; i < plan.Actions.Count; i++)
        {
            if (problem.FindAction(plan.Actions[i]) is null)
            {
                return new PlanEvaluation(false, false, i, $"step {i + 1}: unknown action '{plan.Actions[i]}'");
            }
            var next = problem.Apply(state, plan.Actions[i]);
            if (next is null)
            {
                return new PlanEvaluation(false, false, i, $"step {i + 1}: '{plan.Actions[i]}' is not executable");
            }
            state = next;
            if (invariant is not null && !problem.Evaluate(state).HoldsAtActual(invariant))
            {
                return new PlanEvaluation(true, false, i + 1, $"step {i + 1}: maintenance goal broken");
            }
        }
        var ok = problem.Evaluate(state).HoldsAtActual(problem.Goal);
        return new PlanEvaluation(true, ok, plan.Actions.Count, ok ? null : "the goal does not hold at the end");
    }

    /// <summary>Builds the mA* problem behind a PWMK domain.</summary>
    private sealed class DomainCompiler(EpistemicDomain domain)
    {
        private readonly FormulaTable _table = new();
        private readonly Dictionary<Term, int> _facts = [];
        private readonly Dictionary<string, int> _agents = new(StringComparer.Ordinal);

        public MastarProblem Build(EpistemicWorldState initial, Goal goal, out MastarFormula? invariant)
        {
            if (domain.Facts.Count > MastarParser.MaxFluents)
            {
                throw new ArgumentException($"{domain.Facts.Count} facts; at most {MastarParser.MaxFluents} are supported");
            }
            foreach (var f in domain.Facts)
            {
                if (!f.IsGround)
                {
                    throw new ArgumentException($"fact {f} is not ground");
                }
                _facts.TryAdd(f, _facts.Count);
            }
            for (var i = 0; i < domain.Agents.Count; i++)
            {
                _agents[domain.Agents[i]] = i;
            }
            var actions = new List<MastarAction>();
            foreach (var da in domain.Actions)
            {
                var a = new MastarAction(da.Name, domain.Agents.Count);
                if (da.Precondition is not null)
                {
                    a.Preconditions.Add(Compile(da.Precondition));
                }
                if (da.Senses is not null)
                {
                    a.Type = ActionType.Sensing;
                    a.EpistemicEffects.Add(new EpistemicEffect(_table.True, Compile(da.Senses)));
                }
                else if (da.Add.Count + da.Delete.Count > 0)
                {
                    a.Type = ActionType.Ontic;
                    ulong set = 0, clear = 0;
                    foreach (var f in da.Add)
                    {
                        set |= 1UL << Fact(f);
                    }
                    foreach (var f in da.Delete)
                    {
                        clear |= 1UL << Fact(f);
                    }
                    a.OnticEffects.Add(new OnticEffect(_table.True, set & ~clear, clear & ~set));
                }
                foreach (var (agent, condition) in da.Witnesses)
                {
                    a.Observes[Agent(agent)].Add(Compile(condition));
                }
                actions.Add(a);
            }
            var truth = initial.TrueFacts.Select(Fact).ToHashSet();
            var literals = _facts.Values.Select(i => _table.Literal(i, truth.Contains(i))).ToList();
            var start = new MastarToken(TokenKind.End, "", 1, 1);
            var initially = new List<(MastarFormula, MastarToken)> { (_table.And(literals), start) };
            // Common knowledge of every fact nobody is ignorant of; knows-whether for the others.
            var unknown = new Dictionary<int, HashSet<int>>();
            foreach (var (agent, facts) in initial.UnknownTo ?? new Dictionary<string, IReadOnlyList<Term>>())
            {
                var ag = Agent(agent);
                foreach (var f in facts)
                {
                    var i = Fact(f);
                    if (!unknown.TryGetValue(i, out var who))
                    {
                        unknown[i] = who = [];
                    }
                    who.Add(ag);
                }
            }
            var everyone = Enumerable.Range(0, domain.Agents.Count).ToArray();
            foreach (var (fact, index) in _facts)
            {
                var lit = _table.Literal(index, truth.Contains(index));
                if (!unknown.TryGetValue(index, out var who))
                {
                    initially.Add((_table.Modal(FormulaKind.Common, everyone, lit), start));
                    continue;
                }
                foreach (var ag in everyone.Where(g => !who.Contains(g)))
                {
                    var p = _table.Literal(index, true);
                    var knows = _table.Or([_table.Modal(FormulaKind.Believes, [ag], p), _table.Modal(FormulaKind.Believes, [ag], _table.Not(p))]);
                    initially.Add((_table.Modal(FormulaKind.Common, everyone, knows), start));
                }
            }
            var parts = new List<MastarFormula>();
            if (goal.Achievement is not null)
            {
                parts.Add(Compile(goal.Achievement));
            }
            parts.AddRange((goal.Epistemic ?? []).Select(t => Compile(t)));
            var maintenance = (goal.Maintenance ?? []).Select(t => Compile(t)).ToList();
            invariant = maintenance.Count > 0 ? _table.And(maintenance) : null;
            var fluentNames = new string[_facts.Count];
            foreach (var (f, i) in _facts)
            {
                fluentNames[i] = f.ToString();
            }
            var goalFormula = _table.And(parts);
            if (initial.Believed is { Count: > 0 } believed)
            {
                var model = BuildFromBeliefs(truth, unknown, believed);
                return new MastarProblem("pwmk-domain", _table, [.. fluentNames], [.. domain.Agents], [.. actions], goalFormula,
                    FluentLayout.Single(fluentNames.Length), _ => new MastarState(model), []);
            }
            return MastarInitialBuilder.Build("pwmk-domain", _table, [.. fluentNames], [.. domain.Agents], [.. actions], initially, goalFormula, invariant);
        }

        /// <summary>
        /// Initial model from a belief-store snapshot: worlds are all valuations of the facts; an agent
        /// with stored beliefs sees, from every world, the worlds agreeing with them (KD45, possibly not
        /// containing the actual world: false beliefs); the other agents see the worlds that agree on
        /// every fact they are not ignorant of.
        /// </summary>
        private KripkeModel BuildFromBeliefs(HashSet<int> truth, Dictionary<int, HashSet<int>> unknown, IReadOnlyDictionary<string, AgentBeliefs> believed)
        {
            var k = _facts.Count;
            if (k > 16)
            {
                throw new ArgumentException($"initial beliefs from a belief store support at most 16 facts, the domain has {k}");
            }
            var n = 1 << k;
            var vals = new ulong[n];
            for (var w = 0; w < n; w++)
            {
                vals[w] = (ulong)w;
            }
            ulong actual = 0;
            foreach (var i in truth)
            {
                actual |= 1UL << i;
            }
            var agents = domain.Agents.Count;
            var setOf = new int[agents][];
            var offsets = new int[agents][];
            var targets = new int[agents][];
            for (var ag = 0; ag < agents; ag++)
            {
                ulong care, want;
                if (believed.TryGetValue(domain.Agents[ag], out var b))
                {
                    care = want = 0;
                    foreach (var f in b.BelievedTrue)
                    {
                        care |= 1UL << Fact(f);
                        want |= 1UL << Fact(f);
                    }
                    foreach (var f in b.BelievedFalse)
                    {
                        var bit = 1UL << Fact(f);
                        if ((want & bit) != 0)
                        {
                            throw new ArgumentException($"agent '{domain.Agents[ag]}' believes {f} both true and false");
                        }
                        care |= bit;
                    }
                    var members = Enumerable.Range(0, n).Where(v => ((ulong)v & care) == want).ToArray();
                    setOf[ag] = new int[n];
                    offsets[ag] = [0, members.Length];
                    targets[ag] = members;
                    continue;
                }
                // Agreement on every fact the agent is not ignorant of.
                care = 0;
                for (var i = 0; i < k; i++)
                {
                    if (!(unknown.TryGetValue(i, out var who) && who.Contains(ag)))
                    {
                        care |= 1UL << i;
                    }
                }
                var agreeOn = care;
                (setOf[ag], offsets[ag], targets[ag]) = KripkeModel.Classes(n, w => (ulong)w & agreeOn);
            }
            return KripkeModel.Contract(n, vals, (int)actual, setOf, offsets, targets);
        }

        public IReadOnlyList<AgentBeliefs> Beliefs(MastarProblem problem, MastarState state)
        {
            var ev = problem.Evaluate(state);
            var result = new List<AgentBeliefs>();
            for (var ag = 0; ag < domain.Agents.Count; ag++)
            {
                var yes = new List<Term>();
                var no = new List<Term>();
                foreach (var (fact, i) in _facts)
                {
                    if (ev.HoldsAtActual(_table.Modal(FormulaKind.Believes, [ag], _table.Literal(i, true))))
                    {
                        yes.Add(fact);
                    }
                    else if (ev.HoldsAtActual(_table.Modal(FormulaKind.Believes, [ag], _table.Literal(i, false))))
                    {
                        no.Add(fact);
                    }
                }
                result.Add(new AgentBeliefs(domain.Agents[ag], yes, no));
            }
            return result;
        }

        private int Fact(Term t) =>
            _facts.TryGetValue(t, out var i) ? i : throw new ArgumentException($"unknown fact {t} (declare it in the domain's facts)");

        private int Agent(string name) =>
            _agents.TryGetValue(name, out var i) ? i : throw new ArgumentException($"unknown agent '{name}'");

        private int Agent(Term t) => t is Atom a ? Agent(a.Name) : throw new ArgumentException($"agent name expected, found {t}");

        /// <summary>Translates a query term; iterative over AND/OR chains, bounded depth for the rest.</summary>
        private MastarFormula Compile(Term t) => Compile(t, 0);

        private MastarFormula Compile(Term t, int depth)
        {
            if (depth > MastarParser.MaxFormulaDepth)
            {
                throw new ArgumentException($"goal nested deeper than {MastarParser.MaxFormulaDepth}");
            }
            switch (t)
            {
                case Atom { Name: "true" }:
                    return _table.True;
                case Compound { Functor: "," or ";", Arity: 2 } c:
                    {
                        var parts = new List<MastarFormula>();
                        Term rest = c;
                        while (rest is Compound { Arity: 2 } r && r.Functor == c.Functor)
                        {
                            parts.Add(Compile(r.Args[0], depth + 1));
                            rest = r.Args[1];
                        }
                        parts.Add(Compile(rest, depth + 1));
                        return c.Functor == "," ? _table.And(parts) : _table.Or(parts);
                    }
                case Compound { Functor: "\\+" or "not", Arity: 1 } c:
                    return _table.Not(Compile(c.Args[0], depth + 1));
                case Compound { Functor: "believes", Arity: 2 } c:
                    return _table.Modal(FormulaKind.Believes, [Agent(c.Args[0])], Compile(c.Args[1], depth + 1));
                case Compound { Functor: "knows", Arity: 2 } c:
                    {
                        var inner = Compile(c.Args[1], depth + 1);
                        return _table.And([_table.Modal(FormulaKind.Believes, [Agent(c.Args[0])], inner), inner]);
                    }
                case Compound { Functor: "common", Arity: 2 } c when c.Args[0].AsList() is { } agents:
                    return _table.Modal(FormulaKind.Common, [.. agents.Select(a => Agent(a))], Compile(c.Args[1], depth + 1));
                default:
                    return _table.Literal(Fact(t), true);
            }
        }
    }
}

using Pwmk.Core.Environments;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.Planning;

/// <summary>
/// A <see cref="Goal"/> read against an environment's own belief vocabulary, evaluated on a world state
/// (true values from the environment) and on the beliefs of chains of agents as the environment's
/// perspective tracker keeps them (one value per fluent and chain, or none).
/// <para>Reading rules:</para>
/// <list type="bullet">
/// <item>A fact is the environment's belief fact: a fluent with its value appended, such as
/// <c>at(key, red_box)</c> or <c>in(agent_1, kitchen)</c> (RoomsWorld), <c>pos(agent_0, cell(2,3))</c>,
/// <c>pos(key, agent_0)</c> (agent_0 holds the key) or <c>open(door, true)</c> (MultiAgentBoxWorld),
/// <c>pos(hider_0, cell(4,5))</c> (HideAndSeek). Outside beliefs it holds when the fluent has that value now.</item>
/// <item><c>A AND B</c>, <c>A OR B</c>, <c>NOT A</c> (or <c>,</c> <c>;</c> <c>\+</c>) are read classically outside beliefs.</item>
/// <item><c>believes(a, F)</c> holds when a's belief for F's fluent is F's value; <c>believes(a, believes(b, F))</c>
/// reads the chain a.b (a believes that b believes); <c>believes(a, believes(a, X))</c> is <c>believes(a, X)</c>.</item>
/// <item>Inside a belief, AND and OR distribute over the believed parts (each chain holds a single
/// valuation, as in the tracker); <c>believes(a, NOT F)</c> holds when a believes F's fluent has another value
/// (no belief at all is not enough); <c>believes(a, NOT believes(b, X))</c> is read as NOT of the chain a.b believing X.</item>
/// <item><c>knows(a, X)</c> is <c>believes(a, X) AND X</c>. Goals must be ground; <c>common/2</c> is not available
/// on environments (chains are bounded by the environment's belief depth).</item>
/// </list>
/// </summary>
internal sealed class EnvironmentGoal
{
    private const int MaxDepth = 64;

    internal abstract record Node;

    internal sealed record TrueNode : Node;

    internal sealed record AndNode(Node[] Parts) : Node;

    internal sealed record OrNode(Node[] Parts) : Node;

    internal sealed record NotNode(Node Inner) : Node;

    /// <summary>The fluent has the value in the world.</summary>
    internal sealed record FactNode(int Fluent, int Value) : Node;

    /// <summary>The chain believes the fluent has the value (or, negated, believes it has another one).</summary>
    internal sealed record BeliefNode(int Chain, int Fluent, int Value, bool Negated) : Node;

    private readonly PerspectiveEnv _env;
    private readonly Dictionary<Term, int> _values = [];
    private readonly Dictionary<string, int> _chainIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<int, int> _fluentIndex = [];

    private EnvironmentGoal(PerspectiveEnv env)
    {
        _env = env;
        var v = env.Vocabulary;
        for (int i = 0; i < v.ValueCount; i++) _values.TryAdd(v.ValueTerm(i), i);
        // First-order chains always come first: they give the belief trajectory.
        for (int a = 0; a < env.Agents.Count; a++) ChainIndex([a]);
    }

    /// <summary>The environment's vocabulary the goal was read in.</summary>
    public Perspective.BeliefVocabulary Vocabulary => _env.Vocabulary;

    /// <summary>Tracked chains of agent ids, outermost first (index = position).</summary>
    public List<int[]> Chains { get; } = [];

    /// <summary>Tracked fluent ids (index = position).</summary>
    public List<int> Fluents { get; } = [];

    /// <summary>Values each tracked fluent is compared with in the goal (for the belief trajectory).</summary>
    public Dictionary<int, HashSet<int>> Mentioned { get; } = [];

    /// <summary>Achievement and epistemic parts, conjoined (top-level conjuncts kept apart for the goal-count heuristic).</summary>
    public Node[] Parts { get; private set; } = [];

    /// <summary>Maintenance parts (null: none).</summary>
    public Node? Invariant { get; private set; }

    public int FluentSlot(int fluent) => _fluentIndex.TryGetValue(fluent, out int i) ? i : -1;

    /// <summary>Reads <paramref name="goal"/> in <paramref name="env"/>'s vocabulary; throws <see cref="ArgumentException"/> naming the bad part.</summary>
    public static EnvironmentGoal Compile(PerspectiveEnv env, Goal goal)
    {
        ArgumentNullException.ThrowIfNull(goal);
        var g = new EnvironmentGoal(env);
        var parts = new List<Node>();
        if (goal.Achievement is not null) g.Conjuncts(goal.Achievement, parts);
        foreach (var t in goal.Epistemic ?? []) g.Conjuncts(t, parts);
        g.Parts = [.. parts];
        var inv = new List<Node>();
        foreach (var t in goal.Maintenance ?? []) g.Conjuncts(t, inv);
        g.Invariant = inv.Count > 0 ? new AndNode([.. inv]) : null;
        return g;
    }

    private void Conjuncts(Term t, List<Node> into)
    {
        while (t is Compound { Functor: ",", Arity: 2 } c)
        {
            into.Add(Compile(c.Args[0], [], 0));
            t = c.Args[1];
        }
        into.Add(Compile(t, [], 0));
    }

    private int ChainIndex(int[] chain)
    {
        var key = string.Join('.', chain);
        if (!_chainIndex.TryGetValue(key, out int i))
        {
            i = Chains.Count;
            Chains.Add(chain);
            _chainIndex[key] = i;
        }
        return i;
    }

    private void Track(int fluent, int value)
    {
        if (!_fluentIndex.ContainsKey(fluent))
        {
            _fluentIndex[fluent] = Fluents.Count;
            Fluents.Add(fluent);
        }
        if (!Mentioned.TryGetValue(fluent, out var set)) Mentioned[fluent] = set = [];
        set.Add(value);
    }

    private Node Compile(Term t, int[] chain, int depth, bool negated = false)
    {
        if (depth > MaxDepth) throw new ArgumentException($"goal nested deeper than {MaxDepth}");
        switch (t)
        {
            case Atom { Name: "true" }:
                return negated ? new NotNode(new TrueNode()) : new TrueNode();
            case Compound { Functor: "," or ";", Arity: 2 } c:
                {
                    var parts = new List<Node>();
                    Term rest = c;
                    while (rest is Compound { Arity: 2 } r && r.Functor == c.Functor)
                    {
                        parts.Add(Compile(r.Args[0], chain, depth + 1, negated && chain.Length > 0));
                        rest = r.Args[1];
                    }
                    parts.Add(Compile(rest, chain, depth + 1, negated && chain.Length > 0));
                    // Inside a belief a negation is pushed in (De Morgan); outside it stays a NotNode.
                    bool and = (c.Functor == ",") != (negated && chain.Length > 0);
                    Node n = and ? new AndNode([.. parts]) : new OrNode([.. parts]);
                    return negated && chain.Length == 0 ? new NotNode(n) : n;
                }
            case Compound { Functor: "\\+" or "not", Arity: 1 } c:
                if (chain.Length == 0)
                {
                    var inner = Compile(c.Args[0], chain, depth + 1);
                    return negated ? inner : new NotNode(inner);
                }
                return Compile(c.Args[0], chain, depth + 1, !negated);
            case Compound { Functor: "believes", Arity: 2 } c:
                {
                    var inner = Compile(c.Args[1], Extend(chain, Agent(c.Args[0], t)), depth + 1);
                    return negated ? new NotNode(inner) : inner;
                }
            case Compound { Functor: "knows", Arity: 2 } c:
                {
                    var believed = Compile(c.Args[1], Extend(chain, Agent(c.Args[0], t)), depth + 1);
                    var holds = Compile(c.Args[1], chain, depth + 1);
                    Node n = new AndNode([believed, holds]);
                    return negated ? new NotNode(n) : n;
                }
            case Compound { Functor: "common", Arity: 2 }:
                throw new ArgumentException($"common knowledge is not tracked by environments; write nested believes/2 instead of {t}");
            case Compound c when c.Functor is not ("believes" or "knows"):
                {
                    if (!t.IsGround) throw new ArgumentException($"goal fact {t} is not ground");
                    var (fluent, value) = Fact(c);
                    Track(fluent, value);
                    if (chain.Length == 0)
                    {
                        Node f = new FactNode(fluent, value);
                        return negated ? new NotNode(f) : f;
                    }
                    return new BeliefNode(ChainIndex(chain), fluent, value, negated);
                }
            default:
                throw new ArgumentException($"unknown fact {t}: facts of {_env.GetType().Name} look like {Example()}");
        }
    }

    private int[] Extend(int[] chain, int agent)
    {
        if (chain.Length > 0 && chain[^1] == agent) return chain; // believes(a, believes(a, X)) = believes(a, X)
        if (Array.IndexOf(chain, agent) >= 0)
            throw new ArgumentException($"belief chain {string.Join(".", chain.Select(_env.Vocabulary.AgentName))}.{_env.Vocabulary.AgentName(agent)} repeats an agent; environments track chains of distinct agents");
        if (chain.Length + 1 > _env.BeliefDepth)
            throw new ArgumentException($"goal nests beliefs {chain.Length + 1} deep; this environment tracks beliefs {_env.BeliefDepth} deep");
        return [.. chain, agent];
    }

    private int Agent(Term t, Term where)
    {
        if (t is Atom a)
        {
            int id = _env.Vocabulary.FindAgent(a.Name);
            if (id >= 0 && id < _env.Agents.Count) return id;
        }
        throw new ArgumentException($"unknown agent {t} in {where} (agents: {string.Join(", ", _env.Agents)})");
    }

    private (int Fluent, int Value) Fact(Compound c)
    {
        int fluent = c.Arity >= 1 ? _env.Vocabulary.FindFluent(c.Functor, [.. c.Args.Take(c.Arity - 1)]) : -1;
        if (fluent < 0) throw new ArgumentException($"unknown fact {c}: facts of {_env.GetType().Name} look like {Example()}");
        if (!_values.TryGetValue(c.Args[^1], out int value))
            throw new ArgumentException($"unknown value {c.Args[^1]} in fact {c}");
        return (fluent, value);
    }

    private string Example()
    {
        var v = _env.Vocabulary;
        for (int f = 0; f < v.FluentCount; f++)
        {
            int value = _env.TrueValue(f);
            if (value >= 0) return v.Fact(f, value).ToString();
        }
        return "functor(args..., value)";
    }

    /// <summary>Number of top-level parts that do not hold (the goal-count heuristic), or -1 when the invariant is broken.</summary>
    public int Distance(PerspectiveEnv world, int[] beliefs)
    {
        if (Invariant is not null && !Holds(Invariant, world, beliefs)) return -1;
        int h = 0;
        foreach (var p in Parts)
            if (!Holds(p, world, beliefs)) h++;
        return h;
    }

    /// <summary>Evaluates a node (depth bounded by <see cref="MaxDepth"/> at compile time).</summary>
    public bool Holds(Node n, PerspectiveEnv world, int[] beliefs)
    {
        switch (n)
        {
            case TrueNode:
                return true;
            case AndNode a:
                foreach (var p in a.Parts)
                    if (!Holds(p, world, beliefs)) return false;
                return true;
            case OrNode o:
                foreach (var p in o.Parts)
                    if (Holds(p, world, beliefs)) return true;
                return false;
            case NotNode x:
                return !Holds(x.Inner, world, beliefs);
            case FactNode f:
                return world.TrueValue(f.Fluent) == f.Value;
            case BeliefNode b:
                {
                    int held = beliefs[b.Chain * Fluents.Count + _fluentIndex[b.Fluent]] - 1;
                    return b.Negated ? held >= 0 && held != b.Value : held == b.Value;
                }
            default:
                return false;
        }
    }
}

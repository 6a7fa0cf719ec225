using System.Numerics;

namespace Pwmk.Core.Perspective;

/// <summary>
/// Turns a stream of witnessed events into nested beliefs up to a depth k.
/// <para>Rules (see also README "Perspective tracking"):</para>
/// <list type="number">
/// <item>A chain of distinct agents a1..ad (1 &lt;= d &lt;= k) comes to hold
/// <c>believes(a1, believes(a2, ... P))</c> from an event setting P when every ai witnessed the
/// event and each ai saw a(i+1) at that moment (so a1 saw a2 witness it, and so on).</item>
/// <item>A chain the event does not reach keeps its previous value, which may now be false.</item>
/// <item>What counts as witnessing is the environment's perspective rule (view radius and line of
/// sight, same room); the tracker only reads <see cref="BeliefEvent.Witnesses"/>
/// and <see cref="BeliefEvent.Sight"/>.</item>
/// <item>A claim (<see cref="ClaimEvent"/>, an event made by <see cref="BeliefEvent.Of"/>) reaches the chains of its
/// hearers that its <see cref="CommunicationRules"/> name, whoever trusts the speaker (Hi-ToM's R3 and R4 by default).</item>
/// </list>
/// Beliefs live in a trie of chains (no hashing on the hot path). With a <see cref="ChangeLog"/> every change is also
/// reported there as ground facts (the old value's fact retracted, the new one asserted), in order: the owner drains it
/// into a store through <see cref="Beliefs.IBeliefSink"/>, so a store follows the tracker incrementally.
/// </summary>
public sealed class PerspectiveTracker
{
    private readonly BeliefVocabulary _vocab;
    private readonly int _root;
    // trie of chains; node 0 is the empty chain
    private int[][] _children = new int[16][];
    private int[][] _values = new int[16][];
    private ulong[] _members = new ulong[16];
    private int[] _parent = new int[16];
    private int[] _agent = new int[16];
    private int _nodeCount;
    private readonly int[] _stackNode;
    private readonly ulong[] _stackRemaining;
    private readonly int[] _chain;

    /// <param name="vocabulary">Agents, fluents and values.</param>
    /// <param name="depth">Deepest nesting k (1 = own beliefs only), at most <see cref="BeliefChain.MaxDepth"/>.</param>
    /// <param name="perspectiveOf">When set, only chains starting with this agent are kept (one agent's own mind).</param>
    public PerspectiveTracker(BeliefVocabulary vocabulary, int depth, int perspectiveOf = -1)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (depth < 1 || depth > BeliefChain.MaxDepth)
            throw new ArgumentOutOfRangeException(nameof(depth), depth, $"belief depth must be between 1 and {BeliefChain.MaxDepth}");
        _vocab = vocabulary;
        Depth = depth;
        _root = perspectiveOf;
        _stackNode = new int[depth + 1];
        _stackRemaining = new ulong[depth + 1];
        _chain = new int[depth];
        NewNode(-1, -1, 0);
    }

    /// <summary>Deepest nesting kept.</summary>
    public int Depth { get; }

    /// <summary>The vocabulary beliefs refer to.</summary>
    public BeliefVocabulary Vocabulary => _vocab;

    /// <summary>Number of events observed so far.</summary>
    public long EventsObserved { get; private set; }

    /// <summary>Number of (chain, fluent) values written so far.</summary>
    public long BeliefWrites { get; private set; }

    /// <summary>When set, every belief change is appended here as ground facts, in order (see the class remarks).</summary>
    public List<Pwmk.Core.Beliefs.BeliefChange>? ChangeLog { get; set; }

    /// <summary>Forgets every belief (each is reported to <see cref="ChangeLog"/> as retracted).</summary>
    public void Clear()
    {
        if (ChangeLog is { } log)
            foreach (var (chain, fluent, value) in Beliefs()) log.Add(Pwmk.Core.Beliefs.BeliefChange.Retract(_vocab.BeliefFact(chain, fluent, value)));
        Array.Clear(_children);
        Array.Clear(_values);
        _nodeCount = 0;
        NewNode(-1, -1, 0);
    }

    /// <summary>Applies one event (seen, or a claim heard) to every chain it reaches.</summary>
    public void Observe(in BeliefEvent e)
    {
        if (e.Spoken is { } said)
        {
            Hear(said.Claim, said.Rules);
            return;
        }
        EventsObserved++;
        var seen = new Seen(e.Witnesses, e.Sight);
        Walk(e.Witnesses, e.Fluent, e.Value, ref seen);
    }

    /// <summary>
    /// Applies a claim: every chain of distinct hearers (up to <see cref="Depth"/>) that <paramref name="rules"/> says
    /// takes it comes to hold the claimed value; the others keep what they had.
    /// </summary>
    public void Hear(in ClaimEvent claim, CommunicationRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        EventsObserved++;
        var heard = new Heard(claim, rules);
        Walk(claim.Hearers, claim.Fluent, claim.Value, ref heard);
    }

    /// <summary>Which chains an event reaches, seen from the trie: whether a chain takes the value, and whom it may be extended with.</summary>
    private interface IReach
    {
        bool Takes(ReadOnlySpan<int> chain);

        /// <summary>Agents the chain ending in <paramref name="last"/> may be extended with (its members already left out).</summary>
        ulong Next(int last);
    }

    /// <summary>Witnessing: every chain of witnesses in which each agent saw the next.</summary>
    private readonly struct Seen(ulong witnesses, ulong[] sight) : IReach
    {
        public bool Takes(ReadOnlySpan<int> chain) => true;

        public ulong Next(int last) => witnesses & sight[last];
    }

    /// <summary>A claim: the chains of hearers its rules name.</summary>
    private readonly struct Heard(ClaimEvent claim, CommunicationRules rules) : IReach
    {
        public bool Takes(ReadOnlySpan<int> chain) => rules.Takes(claim, chain);

        public ulong Next(int last) => claim.Hearers;
    }

    /// <summary>Depth-first over the chains starting with an agent of <paramref name="first"/>, with an explicit stack (no recursion).</summary>
    private void Walk<T>(ulong first, int fluent, int value, ref T reach) where T : struct, IReach
    {
        if (_root >= 0) first &= 1UL << _root;
        if (first == 0) return;
        int level = 0;
        _stackNode[0] = 0;
        _stackRemaining[0] = first;
        while (level >= 0)
        {
            ulong rem = _stackRemaining[level];
            if (rem == 0) { level--; continue; }
            int a = BitOperations.TrailingZeroCount(rem);
            _stackRemaining[level] = rem & (rem - 1);
            _chain[level] = a;
            int child = Child(_stackNode[level], a);
            if (reach.Takes(_chain.AsSpan(0, level + 1))) Write(child, fluent, value);
            if (level + 1 < Depth)
            {
                ulong next = reach.Next(a) & ~_members[child];
                if (next != 0)
                {
                    level++;
                    _stackNode[level] = child;
                    _stackRemaining[level] = next;
                }
            }
        }
    }

    /// <summary>Applies events in order.</summary>
    public void Observe(ReadOnlySpan<BeliefEvent> events)
    {
        foreach (ref readonly var e in events) Observe(e);
    }

    /// <summary>The value id the chain believes the fluent has, or -1 when it holds no belief.</summary>
    public int Belief(ReadOnlySpan<int> chain, int fluent)
    {
        int node = 0;
        foreach (int a in chain)
        {
            var ch = _children[node];
            if (ch is null || (uint)a >= (uint)ch.Length || ch[a] == 0) return -1;
            node = ch[a];
        }
        var vals = _values[node];
        return vals is null || fluent >= vals.Length ? -1 : vals[fluent] - 1;
    }

    /// <summary>Every belief held, as (chain outermost first, fluent, value).</summary>
    public IEnumerable<(int[] Chain, int Fluent, int Value)> Beliefs()
    {
        for (int n = 1; n < _nodeCount; n++)
        {
            var vals = _values[n];
            if (vals is null) continue;
            int[]? chain = null;
            for (int f = 0; f < vals.Length; f++)
            {
                if (vals[f] == 0) continue;
                chain ??= ChainOf(n);
                yield return (chain, f, vals[f] - 1);
            }
        }
    }

    private int[] ChainOf(int node)
    {
        var list = new List<int>();
        for (int n = node; n > 0; n = _parent[n]) list.Add(_agent[n]);
        list.Reverse();
        return [.. list];
    }

    private int Child(int node, int agent)
    {
        var ch = _children[node];
        if (ch is null || agent >= ch.Length)
        {
            var grown = new int[Math.Max(_vocab.AgentCount, agent + 1)];
            ch?.CopyTo(grown, 0);
            _children[node] = ch = grown;
        }
        int c = ch[agent];
        if (c != 0) return c;
        c = NewNode(node, agent, _members[node] | (1UL << agent));
        _children[node][agent] = c;
        return c;
    }

    private int NewNode(int parent, int agent, ulong members)
    {
        if (_nodeCount == _members.Length)
        {
            int n = _nodeCount * 2;
            Array.Resize(ref _children, n);
            Array.Resize(ref _values, n);
            Array.Resize(ref _members, n);
            Array.Resize(ref _parent, n);
            Array.Resize(ref _agent, n);
        }
        int id = _nodeCount++;
        _parent[id] = parent;
        _agent[id] = agent;
        _members[id] = members;
        return id;
    }

    private void Write(int node, int fluent, int value)
    {
        var vals = _values[node];
        if (vals is null || fluent >= vals.Length)
        {
            var grown = new int[Math.Max(fluent + 1, _vocab.FluentCount)];
            vals?.CopyTo(grown, 0);
            _values[node] = vals = grown;
        }
        BeliefWrites++;
        int old = vals[fluent] - 1;
        if (old == value) return;
        vals[fluent] = value + 1;
        if (ChangeLog is { } log)
        {
            var chain = ChainOf(node);
            if (old >= 0) log.Add(Pwmk.Core.Beliefs.BeliefChange.Retract(_vocab.BeliefFact(chain, fluent, old)));
            log.Add(Pwmk.Core.Beliefs.BeliefChange.Assert(_vocab.BeliefFact(chain, fluent, value)));
        }
    }
}

namespace Pwmk.Core.Perspective;

/// <summary>
/// What every chain of agents should believe, computed by replaying a whole event history chain by
/// chain (independently of the incremental <see cref="PerspectiveTracker"/>).
/// </summary>
public sealed class BeliefGroundTruth
{
    private readonly Dictionary<string, int[]> _byChain = [];

    private BeliefGroundTruth(BeliefVocabulary vocabulary, int depth)
    {
        Vocabulary = vocabulary;
        Depth = depth;
    }

    public BeliefVocabulary Vocabulary { get; }
    public int Depth { get; }

    /// <summary>Most chains a replay enumerates; beyond it use the incremental tracker.</summary>
    public const long MaxChains = 1_000_000;

    /// <summary>Replays <paramref name="history"/> for every chain of distinct agents up to <paramref name="depth"/>.</summary>
    public static BeliefGroundTruth FromHistory(BeliefVocabulary vocabulary, int depth, IReadOnlyList<BeliefEvent> history)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(history);
        long chains = 0, level = 1;
        for (int d = 1; d <= depth && d <= vocabulary.AgentCount; d++)
        {
            level *= vocabulary.AgentCount - d + 1;
            chains += level;
            if (chains > MaxChains)
                throw new InvalidOperationException($"{vocabulary.AgentCount} agents at depth {depth} make more than {MaxChains} belief chains; read the incremental tracker instead");
        }
        var truth = new BeliefGroundTruth(vocabulary, depth);
        foreach (var chain in BeliefChain.Enumerate(vocabulary.AgentCount, depth))
        {
            int[]? values = null;
            foreach (var e in history)
            {
                if (!BeliefChain.Reaches(e, chain)) continue;
                values ??= new int[vocabulary.FluentCount];
                if (e.Fluent >= values.Length) Array.Resize(ref values, vocabulary.FluentCount);
                values[e.Fluent] = e.Value + 1;
            }
            if (values is not null) truth._byChain[Key(chain)] = values;
        }
        return truth;
    }

    /// <summary>The value id the chain should believe for the fluent, or -1 for no belief.</summary>
    public int Belief(ReadOnlySpan<int> chain, int fluent) =>
        _byChain.TryGetValue(Key(chain), out var v) && fluent < v.Length ? v[fluent] - 1 : -1;

    /// <summary>Belief by agent names (outermost first) and fluent id; null when none.</summary>
    public string? Belief(IReadOnlyList<string> chain, int fluent)
    {
        var ids = new int[chain.Count];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = Vocabulary.FindAgent(chain[i]);
            if (ids[i] < 0) return null;
        }
        int v = Belief(ids, fluent);
        return v < 0 ? null : Vocabulary.ValueTerm(v).ToString();
    }

    /// <summary>Every belief as (chain, fluent, value).</summary>
    public IEnumerable<(int[] Chain, int Fluent, int Value)> Beliefs()
    {
        foreach (var (key, values) in _byChain)
        {
            var chain = key.Split('.').Select(int.Parse).ToArray();
            for (int f = 0; f < values.Length; f++)
                if (values[f] != 0) yield return (chain, f, values[f] - 1);
        }
    }

    private static string Key(ReadOnlySpan<int> chain)
    {
        var parts = new string[chain.Length];
        for (int i = 0; i < chain.Length; i++) parts[i] = chain[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        return string.Join('.', parts);
    }
}

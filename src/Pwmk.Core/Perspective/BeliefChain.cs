namespace Pwmk.Core.Perspective;

/// <summary>Helpers for chains of distinct agents (outermost believer first) and agent masks.</summary>
public static class BeliefChain
{
    /// <summary>Deepest nesting a tracker accepts.</summary>
    public const int MaxDepth = 10;

    /// <summary>Every chain of distinct agents of length 1..depth, shortest first, in lexicographic order.</summary>
    public static List<int[]> Enumerate(int agentCount, int depth)
    {
        var result = new List<int[]>();
        var frontier = new List<int[]> { Array.Empty<int>() };
        for (int d = 1; d <= depth; d++)
        {
            var next = new List<int[]>();
            foreach (var prefix in frontier)
                for (int a = 0; a < agentCount; a++)
                {
                    if (Array.IndexOf(prefix, a) >= 0) continue;
                    var chain = new int[prefix.Length + 1];
                    prefix.CopyTo(chain, 0);
                    chain[^1] = a;
                    next.Add(chain);
                }
            result.AddRange(next);
            frontier = next;
        }
        return result;
    }

    /// <summary>
    /// True when an event reaches this chain: every agent of the chain witnessed it and each agent
    /// saw the next one (so saw it witness the event); for a claim, when its rules say the chain takes it.
    /// </summary>
    public static bool Reaches(in BeliefEvent e, ReadOnlySpan<int> chain)
    {
        if (e.Spoken is { } said) return said.Rules.Takes(said.Claim, chain);
        for (int i = 0; i < chain.Length; i++)
        {
            if ((e.Witnesses & (1UL << chain[i])) == 0) return false;
            if (i > 0 && (e.Sight[chain[i - 1]] & (1UL << chain[i])) == 0) return false;
        }
        return true;
    }

    /// <summary>Mask with every agent from 0 to count-1.</summary>
    public static ulong All(int count) => count >= 64 ? ulong.MaxValue : (1UL << count) - 1;
}

using Pwmk.Core.Perspective;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.Beliefs;

/// <summary>Reading what a chain of agents believes about a fluent from any <see cref="IBeliefStore"/>.</summary>
public static class BeliefQueries
{
    /// <summary>
    /// The value id that <paramref name="chain"/> (outermost believer first) believes <paramref name="fluent"/> has, read
    /// from <paramref name="store"/> with the query <c>believes(a1, ... fluent(args..., V))</c>; -1 when the store holds no
    /// such belief or only values the vocabulary does not know. When a store holds several values (facts written by
    /// hand beside a tracker's), the smallest value id is taken, so the answer does not depend on the store's order.
    /// </summary>
    public static int ValueOf(IBeliefStore store, BeliefVocabulary vocabulary, ReadOnlySpan<int> chain, int fluent)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(vocabulary);
        var pattern = vocabulary.BeliefFact(chain, fluent, new Variable("V"));
        int best = -1;
        foreach (var hit in store.Query(pattern))
        {
            int v = vocabulary.FindValue(InnermostValue(hit));
            if (v >= 0 && (best < 0 || v < best)) best = v;
        }
        return best;
    }

    /// <summary>The last argument of the innermost (non-<c>believes/2</c>) fact of a belief fact.</summary>
    public static Term InnermostValue(Term fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        var t = fact;
        while (t is Compound { Functor: "believes", Arity: 2 } b) t = b.Args[1];
        return t is Compound c ? c.Args[^1] : t;
    }
}

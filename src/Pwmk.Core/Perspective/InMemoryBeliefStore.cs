using Pwmk.Logic.Terms;

namespace Pwmk.Core.Perspective;

/// <summary>A hash-set belief store with an index on the outermost functor and first argument.</summary>
public sealed class InMemoryBeliefStore : IBeliefStore
{
    private readonly HashSet<Term> _facts = [];
    private readonly Dictionary<(string, int, Term?), HashSet<Term>> _index = [];

    public int Count => _facts.Count;

    public bool Assert(Term fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        if (!fact.IsGround) throw new ArgumentException($"belief facts must be ground: {fact}", nameof(fact));
        if (!_facts.Add(fact)) return false;
        var key = KeyOf(fact);
        if (!_index.TryGetValue(key, out var bucket)) _index[key] = bucket = [];
        bucket.Add(fact);
        return true;
    }

    public bool Retract(Term fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        if (!_facts.Remove(fact)) return false;
        var key = KeyOf(fact);
        if (_index.TryGetValue(key, out var bucket))
        {
            bucket.Remove(fact);
            if (bucket.Count == 0) _index.Remove(key);
        }
        return true;
    }

    public bool Contains(Term fact) => _facts.Contains(fact);

    public IEnumerable<Term> Query(Term pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.IsGround) return _facts.Contains(pattern) ? [pattern] : [];
        IEnumerable<Term> candidates = _facts;
        if (pattern is Compound { Arity: > 0 } c && c.Args[0] is not Variable)
            candidates = _index.TryGetValue(KeyOf(pattern), out var bucket) ? bucket : [];
        else if (pattern is Compound pc)
            candidates = _facts.Where(f => f is Compound fc && fc.Functor == pc.Functor && fc.Arity == pc.Arity);
        return candidates.Where(f => TermMatcher.Matches(pattern, f)).ToList();
    }

    private static (string, int, Term?) KeyOf(Term t) => t switch
    {
        Compound c => (c.Functor, c.Arity, c.Args[0] is Variable ? null : c.Args[0]),
        Atom a => (a.Name, 0, null),
        _ => ("", -1, t),
    };
}

using Pwmk.Logic.Terms;

namespace Pwmk.Core.Beliefs;

/// <summary>
/// A hash-set belief store, indexed on the outermost functor and first argument and on the fact without its value (the
/// last argument of the innermost fact, so that "what does this chain believe about this fluent" is one lookup).
/// Not thread-safe.
/// </summary>
public sealed class InMemoryBeliefStore : IBeliefStore
{
    private static readonly Atom s_value = new("$value");
    private readonly HashSet<Term> _facts = [];
    private readonly Dictionary<(string, int, Term?), HashSet<Term>> _index = [];
    private readonly Dictionary<Term, HashSet<Term>> _byValueKey = [];

    /// <inheritdoc/>
    public int Count => _facts.Count;

    /// <summary>Adds a ground fact; returns false when it was already present.</summary>
    public bool Assert(Term fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        if (!fact.IsGround) throw new ArgumentException($"belief facts must be ground: {fact}", nameof(fact));
        if (!_facts.Add(fact)) return false;
        Add(_index, KeyOf(fact), fact);
        if (ValueKey(fact) is { } vk) Add(_byValueKey, vk, fact);
        return true;
    }

    /// <summary>Removes a ground fact; returns false when it was absent.</summary>
    public bool Retract(Term fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        if (!_facts.Remove(fact)) return false;
        Remove(_index, KeyOf(fact), fact);
        if (ValueKey(fact) is { } vk) Remove(_byValueKey, vk, fact);
        return true;
    }

    /// <summary>Applies changes in order.</summary>
    public void Apply(IReadOnlyList<BeliefChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        for (int i = 0; i < changes.Count; i++)
        {
            if (changes[i].Kind == BeliefChangeKind.Assert) Assert(changes[i].Fact);
            else Retract(changes[i].Fact);
        }
    }

    /// <inheritdoc/>
    public ValueTask ApplyAsync(IReadOnlyList<BeliefChange> changes, CancellationToken cancellationToken = default)
    {
        Apply(changes);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public bool Contains(Term fact) => _facts.Contains(fact);

    /// <inheritdoc/>
    public IEnumerable<Term> Query(Term pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.IsGround) return _facts.Contains(pattern) ? [pattern] : [];
        IEnumerable<Term> candidates;
        if (ValueKey(pattern) is { IsGround: true } vk)
            candidates = _byValueKey.TryGetValue(vk, out var same) ? same : [];
        else if (pattern is Compound { Arity: > 0 } c && c.Args[0] is not Variable)
            candidates = _index.TryGetValue(KeyOf(pattern), out var bucket) ? bucket : [];
        else if (pattern is Compound pc)
            candidates = _facts.Where(f => f is Compound fc && fc.Functor == pc.Functor && fc.Arity == pc.Arity);
        else
            candidates = _facts;
        return candidates.Where(f => TermMatcher.Matches(pattern, f)).ToList();
    }

    private static void Add<TKey>(Dictionary<TKey, HashSet<Term>> index, TKey key, Term fact) where TKey : notnull
    {
        if (!index.TryGetValue(key, out var bucket)) index[key] = bucket = [];
        bucket.Add(fact);
    }

    private static void Remove<TKey>(Dictionary<TKey, HashSet<Term>> index, TKey key, Term fact) where TKey : notnull
    {
        if (index.TryGetValue(key, out var bucket))
        {
            bucket.Remove(fact);
            if (bucket.Count == 0) index.Remove(key);
        }
    }

    private static (string, int, Term?) KeyOf(Term t) => t switch
    {
        Compound c => (c.Functor, c.Arity, c.Args[0] is Variable ? null : c.Args[0]),
        Atom a => (a.Name, 0, null),
        _ => ("", -1, t),
    };

    /// <summary>The fact with the last argument of its innermost (non-<c>believes/2</c>) compound replaced by a placeholder, or null when it has none.</summary>
    private static Term? ValueKey(Term t)
    {
        // believes/2 chains are short (the tracker's depth): a loop down, then the chain rebuilt around the key
        var chain = new List<Term>();
        while (t is Compound { Functor: "believes", Arity: 2 } b)
        {
            chain.Add(b.Args[0]);
            t = b.Args[1];
        }
        if (t is not Compound inner) return null;
        var args = inner.Args.ToArray();
        args[^1] = s_value;
        Term key = new Compound(inner.Functor, args);
        for (int i = chain.Count - 1; i >= 0; i--) key = new Compound("believes", chain[i], key);
        return key;
    }
}

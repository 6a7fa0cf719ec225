using Pwmk.Logic.Terms;

namespace Pwmk.Core.Beliefs;

/// <summary>Iterative helpers on terms (no recursion proportional to term size).</summary>
internal static class BeliefTerms
{
    public const string Believes = "believes";

    /// <summary>Placeholder for a functional predicate's value arguments inside an index key.</summary>
    private static readonly Atom s_anyValue = new("\u0000value");

    public static PredicateIndicator IndicatorOf(Term t) => t switch
    {
        Compound c => new(c.Functor, c.Arity),
        Atom a => new(a.Name, 0),
        _ => throw new ArgumentException("not callable", nameof(t)),
    };

    public static Term Wrap(IReadOnlyList<Term> chain, Term content)
    {
        Term t = content;
        for (int i = chain.Count - 1; i >= 0; i--) t = new Compound(Believes, chain[i], t);
        return t;
    }

    /// <summary>Splits <c>believes(A1, believes(A2, P))</c> into its chain and content; null when deeper than <paramref name="maxDepth"/>.</summary>
    public static Term? Unwrap(Term fact, int maxDepth, out Term[] chain)
    {
        var list = new List<Term>();
        Term t = fact;
        while (t is Compound { Functor: Believes, Arity: 2 } c)
        {
            list.Add(c.Args[0]);
            t = c.Args[1];
            if (list.Count > maxDepth)
            {
                chain = [.. list];
                return null;
            }
        }
        chain = [.. list];
        return t;
    }

    /// <summary>Checks size (and groundness when asked); returns a problem description or null.</summary>
    public static string? Check(Term t, int maxNodes, bool ground)
    {
        var stack = new Stack<Term>();
        stack.Push(t);
        int nodes = 0;
        while (stack.Count > 0)
        {
            var x = stack.Pop();
            if (++nodes > maxNodes) return $"is too large (more than {maxNodes} term nodes)";
            if (x is Variable v && ground) return $"is not ground (variable {v})";
            if (x is Compound c) for (int i = c.Arity - 1; i >= 0; i--) stack.Push(c.Args[i]);
        }
        return null;
    }

    /// <summary>The content with its value arguments replaced by a placeholder: equal keys mean "same functional slot".</summary>
    public static Term FunctionalKey(Compound content, IReadOnlyList<int> keyArgs)
    {
        var args = new Term[content.Arity];
        for (int i = 0; i < args.Length; i++) args[i] = s_anyValue;
        foreach (int k in keyArgs) args[k - 1] = content.Args[k - 1];
        return new Compound(content.Functor, args);
    }

    /// <summary>The goal negated by <c>\+ G</c> or <c>not(G)</c>, else null.</summary>
    public static Term? Negated(Term t) => t is Compound { Arity: 1 } c && (c.Functor == "\\+" || c.Functor == "not") ? c.Args[0] : null;

    /// <summary>Copies a term, replacing variables as <paramref name="map"/> says (iteratively).</summary>
    public static Term MapVariables(Term t, Func<Variable, Term> map)
    {
        // Post-order rebuild with an explicit stack.
        var work = new Stack<(Term Term, bool Expanded)>();
        var results = new Stack<Term>();
        work.Push((t, false));
        while (work.Count > 0)
        {
            var (x, expanded) = work.Pop();
            switch (x)
            {
                case Variable v:
                    results.Push(map(v));
                    break;
                case Compound c when !expanded:
                    work.Push((c, true));
                    for (int i = c.Arity - 1; i >= 0; i--) work.Push((c.Args[i], false));
                    break;
                case Compound c:
                    var args = new Term[c.Arity];
                    for (int i = c.Arity - 1; i >= 0; i--) args[i] = results.Pop();
                    results.Push(new Compound(c.Functor, args));
                    break;
                default:
                    results.Push(x);
                    break;
            }
        }
        return results.Pop();
    }

    /// <summary>Variables of a term with their number of occurrences, in order of first appearance.</summary>
    public static List<KeyValuePair<Variable, int>> CountVariables(Term t)
    {
        var counts = new Dictionary<Variable, int>(ReferenceEqualityComparer.Instance);
        var order = new List<Variable>();
        var stack = new Stack<Term>();
        stack.Push(t);
        while (stack.Count > 0)
        {
            var x = stack.Pop();
            if (x is Variable v)
            {
                if (counts.TryGetValue(v, out int n)) counts[v] = n + 1;
                else
                {
                    counts[v] = 1;
                    order.Add(v);
                }
            }
            else if (x is Compound c) for (int i = c.Arity - 1; i >= 0; i--) stack.Push(c.Args[i]);
        }
        return order.ConvertAll(v => new KeyValuePair<Variable, int>(v, counts[v]));
    }
}

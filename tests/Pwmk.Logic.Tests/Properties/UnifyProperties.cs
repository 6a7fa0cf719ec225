using Pwmk.Logic.Terms;

namespace Pwmk.Logic.Tests.Properties;

/// <summary>
/// Random pairs of terms unify in the engine exactly when a small reference unifier (Robinson's,
/// with occurs check, on <see cref="Term"/>) says so, and the engine's bindings are the reference's
/// most general unifier up to renaming of the fresh variables.
/// </summary>
public sealed class UnifyProperties
{
    /// <summary>A reference unifier: a triangular substitution with occurs check.</summary>
    private sealed class Reference
    {
        private readonly Dictionary<Variable, Term> _s = new(ReferenceEqualityComparer.Instance);

        private Term Walk(Term t)
        {
            while (t is Variable v && _s.TryGetValue(v, out var b)) t = b;
            return t;
        }

        private bool Occurs(Variable v, Term t)
        {
            var stack = new Stack<Term>();
            stack.Push(t);
            while (stack.Count > 0)
            {
                var x = Walk(stack.Pop());
                if (ReferenceEquals(x, v)) return true;
                if (x is Compound c) foreach (var a in c.Args) stack.Push(a);
            }
            return false;
        }

        public bool Unify(Term a, Term b)
        {
            var stack = new Stack<(Term, Term)>();
            stack.Push((a, b));
            while (stack.Count > 0)
            {
                var (x, y) = stack.Pop();
                x = Walk(x);
                y = Walk(y);
                if (ReferenceEquals(x, y)) continue;
                if (x is Variable vx) { if (Occurs(vx, y)) return false; _s[vx] = y; continue; }
                if (y is Variable vy) { if (Occurs(vy, x)) return false; _s[vy] = x; continue; }
                if (x is Compound cx && y is Compound cy)
                {
                    if (cx.Functor != cy.Functor || cx.Arity != cy.Arity) return false;
                    for (int i = 0; i < cx.Arity; i++) stack.Push((cx.Args[i], cy.Args[i]));
                    continue;
                }
                if (x is Compound || y is Compound || !x.Equals(y)) return false;
            }
            return true;
        }

        /// <summary>Applies the substitution fully.</summary>
        public Term Apply(Term t)
        {
            t = Walk(t);
            if (t is not Compound c) return t;
            var args = new Term[c.Arity];
            for (int i = 0; i < args.Length; i++) args[i] = Apply(c.Args[i]);
            return new Compound(c.Functor, args);
        }
    }

    /// <summary>True when the terms unify as rational trees (without occurs check; pairs already met are assumed equal).</summary>
    public static bool RationalUnifiable(Term a, Term b)
    {
        var s = new Dictionary<Variable, Term>(ReferenceEqualityComparer.Instance);
        Term Walk(Term t)
        {
            while (t is Variable v && s.TryGetValue(v, out var x)) t = x;
            return t;
        }
        var stack = new Stack<(Term, Term)>();
        var seen = new HashSet<(Term, Term)>(new PairComparer());
        stack.Push((a, b));
        while (stack.Count > 0)
        {
            var (x, y) = stack.Pop();
            x = Walk(x);
            y = Walk(y);
            if (ReferenceEquals(x, y)) continue;
            if (!seen.Add((x, y))) continue; // rational trees: a pair already being unified
            if (x is Variable vx) { s[vx] = y; continue; }
            if (y is Variable vy) { s[vy] = x; continue; }
            if (x is Compound cx && y is Compound cy)
            {
                if (cx.Functor != cy.Functor || cx.Arity != cy.Arity) return false;
                for (int i = 0; i < cx.Arity; i++) stack.Push((cx.Args[i], cy.Args[i]));
                continue;
            }
            if (x is Compound || y is Compound || !x.Equals(y)) return false;
        }
        return true;
    }

    private sealed class PairComparer : IEqualityComparer<(Term, Term)>
    {
        public bool Equals((Term, Term) p, (Term, Term) q) => ReferenceEquals(p.Item1, q.Item1) && ReferenceEquals(p.Item2, q.Item2);
        public int GetHashCode((Term, Term) p) => HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(p.Item1), System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(p.Item2));
    }

    /// <summary>Small terms over few names and shared variables, so that unification often succeeds.</summary>
    private static Term Gen(Random rng, Variable[] vars, int depth)
    {
        int k = rng.Next(10);
        if (depth <= 0 || k < 4)
        {
            return rng.Next(6) switch
            {
                0 => new Atom(rng.Next(2) == 0 ? "a" : "b"),
                1 => new Integer(rng.Next(3)),
                2 => rng.Next(2) == 0 ? new Float(1.0) : new StringTerm("s"),
                _ => vars[rng.Next(vars.Length)],
            };
        }
        if (k < 6) return Term.List([Gen(rng, vars, depth - 1)], rng.Next(2) == 0 ? Atom.Nil : Gen(rng, vars, depth - 1));
        int arity = rng.Next(1, 3);
        var args = new Term[arity];
        for (int i = 0; i < arity; i++) args[i] = Gen(rng, vars, depth - 1);
        return new Compound(rng.Next(3) == 0 ? "g" : "f", args);
    }

    private static readonly QueryOptions s_opts = new() { Timeout = TimeSpan.FromSeconds(5), MaxSolutions = 2 };

    private static void Check(string builtin, bool skipOccursFailures, int seed0, int cases)
    {
        var engine = new PrologEngine();
        int agreed = 0, unified = 0;
        var failures = new List<string>();
        for (int seed = seed0; seed < seed0 + cases && failures.Count < 10; seed++)
        {
            var rng = new Random(seed);
            var vars = Enumerable.Range(0, 5).Select(i => new Variable("X" + i)).ToArray();
            var a = Gen(rng, vars, 4);
            var b = Gen(rng, vars, 4);
            var reference = new Reference();
            bool refOk = reference.Unify(a, b);
            if (!refOk && skipOccursFailures && RationalUnifiable(a, b)) continue;
            var names = vars.Select(v => new KeyValuePair<string, Variable>(v.Name, v)).ToList();
            var r = engine.Query(new Compound(builtin, a, b), names, s_opts);
            string pair = $"{a} {builtin} {b}";
            if (r.Solutions.Count != (refOk ? 1 : 0))
            {
                failures.Add($"{pair}: engine gives {r.Solutions.Count} solutions, reference says {(refOk ? "unifiable" : "not unifiable")}");
                continue;
            }
            if (refOk)
            {
                unified++;
                var expected = new Compound("t", vars.Select(reference.Apply).ToArray());
                var actual = new Compound("t", vars.Select(v => r.Solutions[0][v.Name]).ToArray());
                if (!TermCompare.Variant(expected, actual)) { failures.Add($"{pair}: engine mgu {actual}, reference {expected}"); continue; }
            }
            agreed++;
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // the generator must exercise both outcomes
        Assert.InRange(unified, agreed / 10, agreed - agreed / 10);
    }

    [Fact]
    public void UnifyWithOccursCheckAgreesWithReference() => Check("unify_with_occurs_check", skipOccursFailures: false, 0, 3000);

    [Fact]
    public void EqualsAgreesWithReferenceOnFiniteTerms() => Check("=", skipOccursFailures: true, 10_000, 3000);

    [Fact]
    public void NotUnifiableIsTheNegation()
    {
        var engine = new PrologEngine();
        for (int seed = 0; seed < 1000; seed++)
        {
            var rng = new Random(seed + 50_000);
            var vars = Enumerable.Range(0, 5).Select(i => new Variable("X" + i)).ToArray();
            var a = Gen(rng, vars, 4);
            var b = Gen(rng, vars, 4);
            var reference = new Reference();
            if (!reference.Unify(a, b) && RationalUnifiable(a, b)) continue;
            bool unifiable = new Reference().Unify(a, b);
            var r = engine.Query(new Compound("\\=", a, b), [], s_opts);
            Assert.True(r.Succeeded == !unifiable, $"{a} \\= {b}");
        }
    }
}

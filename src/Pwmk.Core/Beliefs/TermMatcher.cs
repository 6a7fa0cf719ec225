using Pwmk.Logic.Terms;

namespace Pwmk.Core.Beliefs;

/// <summary>One-way matching of a pattern (with variables) against a ground term, without recursion.</summary>
internal static class TermMatcher
{
    public static bool Matches(Term pattern, Term ground)
    {
        var bindings = new Dictionary<Variable, Term>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Term P, Term G)>();
        stack.Push((pattern, ground));
        while (stack.Count > 0)
        {
            var (p, g) = stack.Pop();
            switch (p)
            {
                case Variable v:
                    if (v.Name == "_") break;
                    if (bindings.TryGetValue(v, out var bound)) { if (!bound.Equals(g)) return false; }
                    else bindings[v] = g;
                    break;
                case Compound pc:
                    if (g is not Compound gc || gc.Functor != pc.Functor || gc.Arity != pc.Arity) return false;
                    for (int i = 0; i < pc.Arity; i++) stack.Push((pc.Args[i], gc.Args[i]));
                    break;
                default:
                    if (!p.Equals(g)) return false;
                    break;
            }
        }
        return true;
    }
}

using Pwmk.Core.Beliefs;
using Pwmk.Logic;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.Planning;

/// <summary>
/// Lets goals name predicates derived by a belief store's rules, such as
/// <c>can_unlock(A, D) :- holds(A, K), opens(K, D)</c> over a model whose facts include <c>holds/2</c>.
/// A goal is unfolded, before planning, into a goal over the model's own facts:
/// <list type="bullet">
/// <item>a model fact, <c>believes/2</c>, <c>knows/2</c>, <c>common/2</c> and the connectives are kept (their arguments unfolded);</item>
/// <item>a derived predicate becomes the disjunction, over the store's clauses for it (<c>clause/2</c>), of their bodies;
/// in a body, conjuncts about the model's facts (possibly through other derived predicates) stay for the planner to
/// evaluate in every planned state, and the other conjuncts are static knowledge solved by the store now: each of
/// their solutions binds the body's remaining variables and gives one disjunct;</item>
/// <item>any other goal is static knowledge: the store proves it now (<c>true</c> or false).</item>
/// </list>
/// Unfolding is bounded (depth 32, 1,000 disjuncts per predicate), so recursive rules end with a clear error.
/// </summary>
internal sealed class DerivedGoals(BeliefStore store, Func<string, int, bool> isFact)
{
    private const int MaxDepth = 32;
    private const int MaxSolutions = 1000;
    private static readonly Term False = new Compound("\\+", new Atom("true"));
    private readonly Dictionary<(string, int), bool> _dynamic = [];

    /// <summary>The goal with every derived predicate unfolded.</summary>
    public Goal Expand(Goal goal) => new(
        goal.Achievement is null ? null : Expand(goal.Achievement, 0),
        goal.Epistemic?.Select(t => Expand(t, 0)).ToList(),
        goal.Maintenance?.Select(t => Expand(t, 0)).ToList());

    /// <summary>The goal unfolded with <paramref name="store"/>'s rules, or unchanged without a store.</summary>
    public static Goal Expand(BeliefStore? store, Func<string, int, bool> isFact, Goal goal) =>
        store is null ? goal : new DerivedGoals(store, isFact).Expand(goal);

    private static bool IsModal(Compound c) => c is { Functor: "believes" or "knows" or "common", Arity: 2 };

    private static bool IsConnective(Compound c) =>
        c is { Functor: "," or ";", Arity: 2 } or { Functor: "\\+" or "not", Arity: 1 };

    private Term Expand(Term t, int depth)
    {
        if (depth > MaxDepth) throw new ArgumentException($"derived predicates in the goal unfold deeper than {MaxDepth} (a recursive rule?) at {t}");
        switch (t)
        {
            case Atom { Name: "true" }:
                return t;
            case Atom { Name: "fail" or "false" }:
                return False;
            case Compound c when IsConnective(c):
                return new Compound(c.Functor, [.. c.Args.Select(a => Expand(a, depth + 1))]);
            case Compound c when IsModal(c):
                return new Compound(c.Functor, c.Args[0], Expand(c.Args[1], depth + 1));
            case Compound c when isFact(c.Functor, c.Arity):
                return t;
            case Atom or Compound:
                if (!IsDynamic(t, depth)) return Proves(t) ? new Atom("true") : False;
                return Unfold(t, depth);
            default:
                throw new ArgumentException($"goal part {t} is not a fact, a belief or a predicate");
        }
    }

    /// <summary>The store's clauses for a derived goal, each body split into static conjuncts (solved now) and the rest (unfolded).</summary>
    private Term Unfold(Term t, int depth)
    {
        var body = new Variable("Body");
        var clauses = Solve(new Compound("clause", t, body), body);
        var disjuncts = new List<Term>();
        foreach (var b in clauses)
        {
            var statics = new List<Term>();
            var dynamics = new List<Term>();
            foreach (var part in Conjuncts(b))
                (IsDynamic(part, depth + 1) ? dynamics : statics).Add(part);
            if (dynamics.Count == 0)
            {
                if (Proves(And(statics))) return new Atom("true");
                continue;
            }
            var rest = new Variable("Rest");
            var goal = new Compound(",", And(statics), new Compound("=", rest, And(dynamics)));
            foreach (var instance in Solve(goal, rest))
            {
                if (!instance.IsGround)
                    throw new ArgumentException($"in a rule for {t}, {instance} keeps a variable: bind it with a static condition (a fact of the belief store)");
                disjuncts.Add(Expand(instance, depth + 1));
                if (disjuncts.Count > MaxSolutions) throw new ArgumentException($"{t} unfolds into more than {MaxSolutions} cases");
            }
        }
        if (disjuncts.Count == 0) return False;
        var result = disjuncts[^1];
        for (int i = disjuncts.Count - 2; i >= 0; i--) result = new Compound(";", disjuncts[i], result);
        return result;
    }

    /// <summary>True when the goal depends on the planned state: a model fact, a belief, or a rule that uses one.</summary>
    private bool IsDynamic(Term t, int depth)
    {
        if (depth > MaxDepth) throw new ArgumentException($"derived predicates in the goal unfold deeper than {MaxDepth} (a recursive rule?) at {t}");
        switch (t)
        {
            case Atom { Name: "true" or "fail" or "false" }:
                return false;
            case Compound c when IsModal(c):
                return true;
            case Compound c when IsConnective(c):
                return c.Args.Any(a => IsDynamic(a, depth + 1));
            case Compound c when isFact(c.Functor, c.Arity):
                return true;
            case Atom or Compound:
                {
                    var (name, arity) = t is Compound k ? (k.Functor, k.Arity) : (((Atom)t).Name, 0);
                    if (_dynamic.TryGetValue((name, arity), out bool known)) return known;
                    _dynamic[(name, arity)] = false; // a recursive rule is dynamic only through its other clauses
                    Term head = arity == 0 ? new Atom(name) : new Compound(name, [.. Enumerable.Range(0, arity).Select(_ => (Term)new Variable())]);
                    var body = new Variable("Body");
                    bool dynamic = Solve(new Compound("clause", head, body), body).Any(b => IsDynamic(b, depth + 1));
                    _dynamic[(name, arity)] = dynamic;
                    return dynamic;
                }
            default:
                return false;
        }
    }

    private static IEnumerable<Term> Conjuncts(Term t)
    {
        while (t is Compound { Functor: ",", Arity: 2 } c)
        {
            yield return c.Args[0];
            t = c.Args[1];
        }
        if (t is not Atom { Name: "true" }) yield return t;
    }

    private static Term And(List<Term> parts)
    {
        if (parts.Count == 0) return new Atom("true");
        var result = parts[^1];
        for (int i = parts.Count - 2; i >= 0; i--) result = new Compound(",", parts[i], result);
        return result;
    }

    private bool Proves(Term goal) => Solve(goal, null, unknownIsError: true).Count > 0;

    private List<Term> Solve(Term goal, Variable? report, bool unknownIsError = false)
    {
        try
        {
            var names = report is null ? [] : new List<KeyValuePair<string, Variable>> { new(report.Name, report) };
            var r = store.Query(goal, names, new QueryOptions { MaxSolutions = MaxSolutions + 1, Timeout = TimeSpan.FromSeconds(5) });
            return [.. r.Solutions.Select(s => report is null ? (Term)new Atom("true") : s.Bindings[0].Value)];
        }
        catch (PrologException e) when (unknownIsError && e.Formal is Compound { Functor: "existence_error" })
        {
            throw new ArgumentException($"unknown fact or predicate in the goal: {goal} is neither a fact of the model nor defined in the belief store", e);
        }
        catch (PrologException e) when (e.Formal is Compound { Functor: "existence_error" or "permission_error" })
        {
            return []; // an undefined predicate proves nothing; a built-in has no clauses to unfold
        }
        catch (Exception e) when (e is PrologException or BeliefStoreException)
        {
            throw new ArgumentException($"the belief store could not evaluate {goal}: {e.Message}", e);
        }
    }
}

using System.Globalization;
using System.Text;
using Pwmk.Logic.Parsing;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.Beliefs;

/// <summary>Writes a <see cref="BeliefModel"/> as Prolog text that SWI-Prolog and <see cref="BeliefStore"/> both consult.</summary>
internal static class BeliefProgramWriter
{
    /// <summary>The fact recording a functional declaration: <c>pwmk_functional(at/2, [1]).</c></summary>
    public const string FunctionalFact = "pwmk_functional";

    public static string Write(BeliefModel model, OperatorTable ops)
    {
        var sb = new StringBuilder();
        sb.Append("% PWMK belief store. Consult with SWI-Prolog (swipl FILE.pl) or BeliefStore.Load.\n");
        foreach (var d in model.Directives) AppendClause(sb, new Compound(":-", d), ops);

        // Every predicate with stored clauses or a declaration is dynamic (except tabled ones) and discontiguous,
        // so that facts and rules keep their order without warnings.
        var tabled = TabledPredicates(model);
        var preds = new List<PredicateIndicator> { new(BeliefTerms.Believes, 2), new(FunctionalFact, 2) };
        var seen = new HashSet<PredicateIndicator>(preds);
        foreach (var p in model.Declared.Keys) if (seen.Add(p)) preds.Add(p);
        var ordered = new List<(long Seq, Term Clause)>(model.Entries.Count + model.Rules.Count);
        foreach (var e in model.Entries.Values)
        {
            ordered.Add((e.Seq, e.Fact));
            var ind = e.Belief.Depth == 0 ? e.Predicate : new PredicateIndicator(BeliefTerms.Believes, 2);
            if (seen.Add(ind)) preds.Add(ind);
        }
        foreach (var r in model.Rules)
        {
            ordered.Add((r.Seq, r.Clause));
            if (seen.Add(r.Head)) preds.Add(r.Head);
        }
        foreach (var p in preds)
        {
            var spec = new Compound("/", new Atom(p.Name), new Integer(p.Arity));
            if (!tabled.Contains(p)) AppendClause(sb, new Compound(":-", new Compound("dynamic", spec)), ops);
            AppendClause(sb, new Compound(":-", new Compound("discontiguous", spec)), ops);
        }
        foreach (var p in model.Declared.Values)
        {
            if (!p.IsFunctional) continue;
            var keys = Term.List(p.FunctionalIn.Select(k => (Term)new Integer(k)));
            AppendClause(sb, new Compound(FunctionalFact, new Compound("/", new Atom(p.Name), new Integer(p.Arity)), keys), ops);
        }
        ordered.Sort((a, b) => a.Seq.CompareTo(b.Seq));
        foreach (var (_, clause) in ordered) AppendClause(sb, NameVariables(clause), ops);
        return sb.ToString();
    }

    private static HashSet<PredicateIndicator> TabledPredicates(BeliefModel model)
    {
        var set = new HashSet<PredicateIndicator>();
        foreach (var d in model.Directives)
        {
            if (d is not Compound { Functor: "table", Arity: 1 } t) continue;
            var stack = new Stack<Term>();
            stack.Push(t.Args[0]);
            while (stack.Count > 0)
            {
                var x = stack.Pop();
                if (x is Compound { Functor: "," or "[|]", Arity: 2 } pair)
                {
                    stack.Push(pair.Args[0]);
                    stack.Push(pair.Args[1]);
                }
                else if (x is Compound { Functor: "/", Arity: 2 } s && s.Args[0] is Atom n && s.Args[1] is Integer a && a.Value >= 0 && a.Value <= 1024)
                    set.Add(new(n.Name, (int)a.Value));
                else if (x is Compound mode) set.Add(new(mode.Functor, mode.Arity)); // table p(_, lattice(...)) style
            }
        }
        return set;
    }

    private static void AppendClause(StringBuilder sb, Term clause, OperatorTable ops)
    {
        string text = TermWriter.Format(clause, ops, new WriteOptions(Quoted: true));
        sb.Append(text);
        // Keep the end "." a separate token when the text ends with a symbol character.
        if (text.Length > 0 && "#$&*+-./:<=>?@^~\\".Contains(text[^1], StringComparison.Ordinal)) sb.Append(' ');
        sb.Append(".\n");
    }

    /// <summary>Gives a clause's variables readable names: singletons become <c>_</c>, others keep their names when valid and distinct.</summary>
    private static Term NameVariables(Term clause)
    {
        var vars = BeliefTerms.CountVariables(clause);
        if (vars.Count == 0) return clause;
        var names = new Dictionary<Variable, Variable>(ReferenceEqualityComparer.Instance);
        var used = new HashSet<string>();
        foreach (var (v, n) in vars)
            if (n > 1 && IsPlainVariableName(v.Name)) used.Add(v.Name);
        var taken = new HashSet<string>();
        int next = 0;
        foreach (var (v, n) in vars)
        {
            string name;
            if (n == 1) name = "_";
            else if (IsPlainVariableName(v.Name) && taken.Add(v.Name)) name = v.Name;
            else
            {
                do name = "V" + (next++).ToString(CultureInfo.InvariantCulture);
                while (used.Contains(name) || !taken.Add(name));
            }
            names[v] = new Variable(name);
        }
        return BeliefTerms.MapVariables(clause, v => names[v]);
    }

    private static bool IsPlainVariableName(string s)
    {
        if (s.Length == 0 || !char.IsAsciiLetterUpper(s[0])) return false;
        foreach (char c in s) if (!char.IsAsciiLetterOrDigit(c) && c != '_') return false;
        return true;
    }
}

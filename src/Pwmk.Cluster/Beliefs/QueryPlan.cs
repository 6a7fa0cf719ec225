using Pwmk.Logic.Parsing;
using Pwmk.Logic.Terms;

namespace Pwmk.Cluster.Beliefs;

/// <summary>
/// Which partitions a belief query needs, read from its text: the agents of its <c>believes/2</c> goals when they are
/// bound (one partition each), every agent when one is unbound, and the world partition for the other predicates it
/// names. A query that could build a goal while it runs (an atom <c>believes</c> outside a <c>believes/2</c> term, or a
/// built-in that makes atoms or terms from text) needs everything. Found by walking the query's term with an explicit
/// stack (no recursion on the query's depth).
/// </summary>
internal sealed class QueryPlan
{
    private const string Believes = BeliefPartitions.Believes;

    /// <summary>Built-ins that turn text or lists into atoms or terms: a query using one may call what its text does not name.</summary>
    private static readonly HashSet<string> s_builders = new(StringComparer.Ordinal)
    {
        "=..", "functor", "atom_codes", "atom_chars", "char_code", "atom_string", "atom_to_term", "term_to_atom", "term_string",
        "read_term", "read", "read_term_from_atom", "atom_concat", "atomic_list_concat", "sub_atom", "string_to_atom",
        "number_codes", "atom_number", "string_code", "string_chars", "string_codes", "sub_string", "upcase_atom", "downcase_atom",
        "format_atom", "with_output_to", "format", "sformat", "nb_getval", "b_getval", "name", "string_concat", "split_string",
        "compound_name_arguments", "compound_name_arity", "setarg", "nb_setarg", "arg", "copy_term", "current_op",
    };

    /// <summary>Agents (partition keys) named by bound <c>believes/2</c> goals.</summary>
    public SortedSet<string> Agents { get; } = new(StringComparer.Ordinal);

    /// <summary>A <c>believes/2</c> term with an unbound agent: every agent's partition.</summary>
    public bool AllAgents { get; private set; }

    /// <summary>The query may reach any fact: every partition, every fact.</summary>
    public bool Everything { get; private set; }

    /// <summary>The <c>believes/2</c> terms, patterns for the partitions.</summary>
    public List<Term> BeliefPatterns { get; } = [];

    /// <summary>Other terms by predicate (<c>name/arity</c>), patterns for the world partition.</summary>
    public Dictionary<string, List<Term>> OtherPatterns { get; } = new(StringComparer.Ordinal);

    /// <summary>More patterns of one predicate than this are sent as one pattern that matches all its facts.</summary>
    public const int MaxPatterns = 16;

    /// <summary>Patterns as Prolog text: the terms themselves, or the predicate's most general term when there are many.</summary>
    public static string[] Texts(List<Term> patterns)
    {
        if (patterns.Count <= MaxPatterns) return [.. patterns.Select(p => p.ToString())];
        var first = patterns[0];
        return [first is Compound c ? new Compound(c.Functor, [.. Enumerable.Range(0, c.Arity).Select(_ => (Term)new Variable("_"))]).ToString() : first.ToString()];
    }

    /// <summary>Plans <paramref name="query"/>; a query that does not parse needs everything (the store then reports the error).</summary>
    public static QueryPlan Of(string query)
    {
        var plan = new QueryPlan();
        Term term;
        try
        {
            term = new TermReader(query, OperatorTable.Default).ReadSingle().Term;
        }
        catch (SyntaxErrorException)
        {
            plan.Everything = true;
            return plan;
        }
        if (term is Variable) plan.Everything = true;
        var stack = new Stack<Term>();
        stack.Push(term);
        while (stack.Count > 0 && !plan.Everything)
        {
            switch (stack.Pop())
            {
                case Compound { Functor: Believes, Arity: 2 } b:
                    if (b.Args[0].IsGround) plan.Agents.Add(b.Args[0].ToString());
                    else plan.AllAgents = true;
                    plan.BeliefPatterns.Add(b);
                    // the belief itself (its second argument) is data, not a goal: nothing in it is called
                    stack.Push(b.Args[0]);
                    break;
                case Compound c:
                    if (c.Functor == Believes || s_builders.Contains(c.Functor) || CallsVariable(c)) plan.Everything = true;
                    plan.Other(c.Functor + "/" + c.Arity, c);
                    for (int i = c.Arity - 1; i >= 0; i--) stack.Push(c.Args[i]);
                    break;
                case Atom a:
                    if (a.Name == Believes) plan.Everything = true;
                    plan.Other(a.Name + "/0", a);
                    break;
            }
        }
        return plan;
    }

    /// <summary>
    /// True when <paramref name="c"/> calls a goal held in a variable (<c>call/N</c>, or a control construct or meta
    /// predicate with a variable as a goal): that goal may come from a stored fact, which the query's text does not name.
    /// </summary>
    private static bool CallsVariable(Compound c)
    {
        if (c.Functor == "call") return true;
        bool Var(int i) => i < c.Arity && c.Args[i] is Variable;
        return (c.Functor, c.Arity) switch
        {
            ("," or ";" or "->" or "*->" or "forall", 2) => Var(0) || Var(1),
            ("\\+" or "not" or "once" or "ignore", 1) => Var(0),
            ("findall" or "bagof" or "setof" or "aggregate_all", 3 or 4) => Var(1),
            ("aggregate_all", 2) => Var(0),
            ("catch", 3) => Var(0) || Var(2),
            ("^", 2) => Var(1),
            _ => false,
        };
    }

    private void Other(string predicate, Term pattern)
    {
        if (!OtherPatterns.TryGetValue(predicate, out var list)) OtherPatterns[predicate] = list = [];
        list.Add(pattern);
    }
}

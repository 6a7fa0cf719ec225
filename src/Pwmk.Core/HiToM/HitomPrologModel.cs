using Pwmk.Core.Beliefs;
using Pwmk.Logic;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.HiToM;

/// <summary>
/// Answers Hi-ToM questions from the belief store: a story's narration becomes facts (<c>agent/1</c>,
/// <c>chapter/2</c>, <c>seen/4</c>, <c>moved/5</c>, <c>told/5</c>, <c>claimed/5</c>, see <c>hitom_common.pl</c>), the
/// rule set (<see cref="HitomRules.PrologProgram"/>: trust, who a claim reaches, which event decides) is Prolog rules
/// over them, and a question is the query <c>believes(a, believes(b, at(o, C)))</c> (<c>at(o, C)</c> at order 0).
/// The same answers as <see cref="HitomReplay"/>, by another road. One story at a time; not thread-safe.
/// </summary>
public sealed class HitomPrologModel
{
    private static readonly QueryOptions s_query = new() { MaxSolutions = 1, Timeout = TimeSpan.FromSeconds(30) };
    private readonly List<Term> _facts = [];

    public HitomPrologModel(HitomRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        Rules = rules;
        Store.Consult(rules.PrologProgram, $"hitom_{rules.Name}.pl");
    }

    public HitomRules Rules { get; }

    /// <summary>The belief store holding the rules (and, while a story is answered, its facts).</summary>
    public BeliefStore Store { get; } = new();

    /// <summary>Stores the story's facts, answers its question by a query, and removes the facts again.</summary>
    public HitomAnswer Answer(HitomFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var story = HitomNarrator.Of(file);
        try
        {
            foreach (var fact in Facts(story)) Assert(fact);
            return Ask(story, file.Question, file.Source);
        }
        finally
        {
            foreach (var fact in _facts) Store.RetractFact(fact);
            _facts.Clear();
        }
    }

    private void Assert(Term fact)
    {
        if (Store.AssertFact(fact)) _facts.Add(fact);
    }

    /// <summary>The story as facts, in story order.</summary>
    internal static IEnumerable<Term> Facts(HitomNarrator story)
    {
        var v = story.Vocabulary;
        var agents = new Atom[v.AgentCount];
        for (int a = 0; a < agents.Length; a++)
        {
            agents[a] = new Atom(v.AgentName(a));
            yield return new Compound("agent", agents[a]);
        }
        Term List(ulong mask)
        {
            var items = new List<Term>();
            for (int a = 0; a < agents.Length; a++) if ((mask & (1UL << a)) != 0) items.Add(agents[a]);
            return Term.List(items);
        }
        foreach (var e in story.Events)
        {
            var t = new Integer(e.Line);
            Term o = e.Fluent >= 0 ? ((Compound)v.FluentTerm(e.Fluent)).Args[0] : Atom.Nil;
            Term c = e.Value >= 0 ? v.ValueTerm(e.Value) : Atom.Nil;
            yield return e.Kind switch
            {
                NarratedKind.Chapter => new Compound("chapter", t, Term.List(e.Order!.Select(a => (Term)agents[a]).ToList())),
                NarratedKind.Seen => new Compound("seen", t, o, c, List(e.Present)),
                NarratedKind.Moved => new Compound("moved", t, agents[e.Agent], o, c, List(e.Present)),
                NarratedKind.Told => new Compound("told", t, agents[e.Agent], agents[e.Other], o, c),
                _ => new Compound("claimed", t, agents[e.Agent], o, c, List(e.Present)),
            };
        }
    }

    private HitomAnswer Ask(HitomNarrator story, HitomQuestion q, string source)
    {
        var obj = new Atom(q.Object);
        var c = new Variable("C");
        var rule = new Variable("Rule");
        var line = new Variable("Line");
        if (q.Order == 0)
        {
            var where = Store.Query(new Compound("at", obj, c), [new("C", c)], s_query);
            var last = Store.Query(new Compound("located", line, obj, new Variable("_")), [new("Line", line)], s_query with { MaxSolutions = int.MaxValue });
            string? at = where.Succeeded ? HitomNarrator.Name(where.Solutions[0].Bindings[0].Value) : null;
            int lastLine = last.Solutions.Count == 0 ? -1 : last.Solutions.Max(s => (int)((Integer)s.Bindings[0].Value).Value);
            return new HitomAnswer(at, lastLine >= 0 ? new HitomReason("world", lastLine) : null);
        }
        foreach (var name in q.Chain)
            if (story.Vocabulary.FindAgent(name) < 0) throw new HitomFormatException(source, q.Line, 1, $"the question names {name}, who is not in the story");
        Term goal = new Compound("at", obj, c);
        for (int i = q.Chain.Count - 1; i >= 0; i--) goal = new Compound("believes", new Atom(q.Chain[i]), goal);
        var answer = Store.Query(goal, [new("C", c)], s_query);
        if (!answer.Succeeded) return new HitomAnswer(null, null);
        var chain = Term.List(q.Chain.Select(a => (Term)new Atom(a)).ToList());
        var why = Store.Query(new Compound("decided", chain, obj, new Variable("_"), line, rule), [new("Line", line), new("Rule", rule)], s_query);
        var b = why.Solutions[0].Bindings;
        return new HitomAnswer(HitomNarrator.Name(answer.Solutions[0].Bindings[0].Value), new HitomReason(((Atom)b[1].Value).Name, (int)((Integer)b[0].Value).Value));
    }
}

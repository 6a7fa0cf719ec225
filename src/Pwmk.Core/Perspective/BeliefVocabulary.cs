using Pwmk.Logic.Terms;

namespace Pwmk.Core.Perspective;

/// <summary>
/// Names the agents, fluents and values that beliefs are about. A fluent is a world property with
/// one value at a time (<c>at(spinach)</c> with value <c>green_crate</c>); its belief fact is the fluent
/// term with the value appended (<c>at(spinach, green_crate)</c>), wrapped once per agent of the chain
/// (<c>believes(anne, believes(sally, at(spinach, green_crate)))</c>).
/// </summary>
public sealed class BeliefVocabulary
{
    /// <summary>Most agents one vocabulary (and one belief tracker) can hold: agent sets are 64-bit masks.</summary>
    public const int MaxAgents = 64;

    private readonly List<Atom> _agents = [];
    private readonly Dictionary<string, int> _agentIds = [];
    private readonly List<(string Functor, Term[] Args)> _fluents = [];
    private readonly Dictionary<(string, string), int> _fluentIds = [];
    private readonly List<Term> _values = [];
    private readonly Dictionary<Term, int> _valueIds = [];

    public int AgentCount => _agents.Count;
    public int FluentCount => _fluents.Count;
    public int ValueCount => _values.Count;

    /// <summary>Returns the id of the named agent, adding it when new.</summary>
    public int Agent(string name)
    {
        if (_agentIds.TryGetValue(name, out int id)) return id;
        if (_agents.Count >= MaxAgents) throw new InvalidOperationException($"at most {MaxAgents} agents can be tracked");
        id = _agents.Count;
        _agents.Add(new Atom(name));
        _agentIds[name] = id;
        return id;
    }

    /// <summary>The id of a known agent, or -1.</summary>
    public int FindAgent(string name) => _agentIds.TryGetValue(name, out int id) ? id : -1;

    public string AgentName(int id) => _agents[id].Name;

    /// <summary>Returns the id of fluent <c>functor(args...)</c>, adding it when new.</summary>
    public int Fluent(string functor, params Term[] args)
    {
        var key = (functor, string.Join(",", args.Select(a => a.ToString())));
        if (_fluentIds.TryGetValue(key, out int id)) return id;
        id = _fluents.Count;
        _fluents.Add((functor, args));
        _fluentIds[key] = id;
        return id;
    }

    /// <summary>The id of a known fluent, or -1.</summary>
    public int FindFluent(string functor, params Term[] args) =>
        _fluentIds.TryGetValue((functor, string.Join(",", args.Select(a => a.ToString()))), out int id) ? id : -1;

    /// <summary>Returns the id of a value, adding it when new.</summary>
    public int Value(Term value)
    {
        if (_valueIds.TryGetValue(value, out int id)) return id;
        id = _values.Count;
        _values.Add(value);
        _valueIds[value] = id;
        return id;
    }

    /// <summary>Shorthand for <c>Value(new Atom(name))</c>.</summary>
    public int Value(string atom) => Value(new Atom(atom));

    public Term ValueTerm(int id) => _values[id];

    /// <summary>The id of a known value, or -1.</summary>
    public int FindValue(Term value) => _valueIds.TryGetValue(value, out int id) ? id : -1;

    /// <summary>The fluent term without its value, for example <c>at(spinach)</c>.</summary>
    public Term FluentTerm(int fluent)
    {
        var (f, args) = _fluents[fluent];
        return args.Length == 0 ? new Atom(f) : new Compound(f, args);
    }

    /// <summary>The plain fact <c>functor(args..., value)</c>.</summary>
    public Term Fact(int fluent, int value) => Fact(fluent, _values[value]);

    /// <summary>The fact <c>functor(args..., value)</c> with any term (a variable makes it a pattern) as the value.</summary>
    public Term Fact(int fluent, Term value)
    {
        var (f, args) = _fluents[fluent];
        var all = new Term[args.Length + 1];
        args.CopyTo(all, 0);
        all[^1] = value;
        return new Compound(f, all);
    }

    /// <summary>The nested belief fact of a chain of agents (outermost first) about a fluent's value.</summary>
    public Term BeliefFact(ReadOnlySpan<int> chain, int fluent, int value) => BeliefFact(chain, fluent, _values[value]);

    /// <summary>The nested belief fact with any term as the value (a variable makes it a pattern for a store's query).</summary>
    public Term BeliefFact(ReadOnlySpan<int> chain, int fluent, Term value)
    {
        Term t = Fact(fluent, value);
        for (int i = chain.Length - 1; i >= 0; i--) t = new Compound("believes", _agents[chain[i]], t);
        return t;
    }
}

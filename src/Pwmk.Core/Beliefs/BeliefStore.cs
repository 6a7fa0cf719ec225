using Pwmk.Logic;
using Pwmk.Logic.Parsing;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.Beliefs;

/// <summary>
/// What every agent believes, and what it believes others believe, kept as Prolog facts
/// <c>believes(Agent, Belief)</c> (nested to any depth up to <see cref="BeliefStoreOptions.MaxNestingDepth"/>),
/// together with world facts and rules, on top of an embedded <see cref="PrologEngine"/>.
/// <para>
/// Stored facts are ground and kept as a set; a declared functional predicate
/// (<see cref="BeliefPredicate.Functional"/>) keeps one value per key inside each belief chain.
/// Counts per agent, per predicate and per nesting depth are kept incrementally and are O(1) to read.
/// Bad input throws <see cref="BeliefStoreException"/> naming what and where, and leaves the store unchanged.
/// All members are thread-safe: changes are serialised; counts and belief states never wait for a running query.
/// Queries run in read-only sessions of the engine, side by side and never waiting for a change: whatever a query (or a
/// rule it calls) tries to change raises <c>permission_error(modify, ...)</c>; the store changes only through its
/// methods. A change (or <see cref="InOneCommit{T}"/> of several) is published to queries at once when it ends.
/// </para>
/// </summary>
public sealed partial class BeliefStore : IBeliefStore
{
    private sealed class State(BeliefModel model, PrologEngine engine)
    {
        public readonly BeliefModel Model = model;
        public readonly PrologEngine Engine = engine;

        /// <summary>Query texts read and checked over this state (its engine's operators never change once published).</summary>
        public readonly ParsedQueries Parsed = new();
    }

    private readonly record struct Where(string Source, int Line = 0, int Column = 0);

    private static readonly QueryOptions s_internalQuery = new() { MaxSolutions = 1, Timeout = TimeSpan.FromSeconds(30) };

    private readonly BeliefStoreOptions _opt;
    private readonly object _write = new();   // serialises changes (engine + model)
    private int _changeDepth;                 // nesting of Change/InOneCommit (guarded by _write)
    private PrologSession? _session;          // the engine writer session of the change in progress (guarded by _write)
    private PrologEngine? _sessionEngine;
    private readonly object _read = new();    // guards the model against readers while it changes
    private volatile State _state;

    /// <summary>Creates an empty store.</summary>
    public BeliefStore(BeliefStoreOptions? options = null)
    {
        _opt = options ?? BeliefStoreOptions.Default;
        ArgumentOutOfRangeException.ThrowIfNegative(_opt.MaxNestingDepth);
        ArgumentOutOfRangeException.ThrowIfLessThan(_opt.MaxTermNodes, 1);
        _state = Build(new BeliefModel(_opt.MaxNestingDepth), OperatorTable.Default);
    }

    /// <summary>The store's limits.</summary>
    public BeliefStoreOptions Options => _opt;

    /// <summary>Raised after each change (outside the store's locks), for metrics such as <c>pwmk_belief_updates_total</c>.</summary>
    public event Action<BeliefUpdate>? Updated;

    // ------------------------------------------------------------------ changes

    /// <summary>Stores <c>believes(agent, belief)</c>; the agent is an atom name (<c>agent_0</c>, <c>Sally</c>), the belief Prolog text, possibly nested (<c>believes(agent_1, at(key, room_3))</c>).</summary>
    /// <returns>False when the agent already held exactly this belief.</returns>
    public bool AddBelief(string agent, string belief)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return AddBelief(new Atom(agent), ParseGround(belief, "belief"));
    }

    /// <summary>Stores <c>believes(agent, belief)</c> (see <see cref="AddBelief(string, string)"/>).</summary>
    public bool AddBelief(Term agent, Term belief)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(belief);
        return Change(s => AddFactCore(s, new Compound(BeliefTerms.Believes, agent, belief), "belief", new Where("belief")));
    }

    /// <summary>Stores a ground fact given as text (<c>has(agent_1, key)</c>); a <c>believes/2</c> fact is stored as a belief.</summary>
    /// <returns>False when the fact was already stored.</returns>
    public bool AssertFact(string fact) => AssertFact(ParseGround(fact, "fact"));

    /// <summary>Stores a ground fact (see <see cref="AssertFact(string)"/>).</summary>
    public bool AssertFact(Term fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        if (fact is Compound { Functor: ":-" }) throw new BeliefStoreException($"fact {Short(fact)} has a body: use AddRule", "fact");
        return Change(s => AddFactCore(s, fact, "fact", new Where("fact")));
    }

    /// <summary>Adds a rule (<c>can_unlock(A, D) :- has(A, key), at(A, R), connects(R, D)</c>) after the existing clauses of its predicate. A ground fact is stored as with <see cref="AssertFact(string)"/>.</summary>
    public void AddRule(string clause)
    {
        var r = Parse(clause, "rule", _state);
        AddRule(r.Term);
    }

    /// <summary>Adds a rule (see <see cref="AddRule(string)"/>).</summary>
    public void AddRule(Term clause)
    {
        ArgumentNullException.ThrowIfNull(clause);
        Change(s =>
        {
            if (clause is not Compound { Functor: ":-", Arity: 2 } && clause.IsGround)
                return AddFactCore(s, clause, "fact", new Where("rule"));
            AddRuleCore(s, clause, new Where("rule"));
            return true;
        });
    }

    /// <summary>Declares a predicate (queries on it fail instead of raising an existence error), possibly functional; redeclaring replaces the declaration.</summary>
    public void AddPredicate(BeliefPredicate predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        Change(s =>
        {
            DeclareCore(s, predicate, new Where("predicate"));
            return false;
        });
    }

    /// <summary>Removes <c>believes(agent, belief)</c>.</summary>
    /// <returns>False when the agent did not hold it.</returns>
    public bool RemoveBelief(string agent, string belief)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return RemoveBelief(new Atom(agent), ParseGround(belief, "belief"));
    }

    /// <summary>Removes <c>believes(agent, belief)</c>.</summary>
    public bool RemoveBelief(Term agent, Term belief)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(belief);
        return RetractFact(new Compound(BeliefTerms.Believes, agent, belief));
    }

    /// <summary>Removes a stored ground fact (or belief, when it is a <c>believes/2</c> fact).</summary>
    public bool RetractFact(string fact) => RetractFact(ParseGround(fact, "fact"));

    /// <summary>Removes a stored ground fact.</summary>
    public bool RetractFact(Term fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        Validate(fact, "fact", new Where("fact"), ground: true);
        return Change(s =>
        {
            if (!s.Model.Entries.TryGetValue(fact, out var e)) return false;
            Retract(s, e.Fact);
            lock (_read) s.Model.Remove(e);
            Notify(e.Belief.Agent, BeliefUpdateKind.Removed);
            return true;
        });
    }

    /// <summary>
    /// Revises what <paramref name="agent"/> believes with new evidence <paramref name="contradiction"/> (text; may be
    /// nested, or a negation <c>\+ P</c> / <c>NOT P</c>): removes the beliefs of the same chain that contradict it, then stores it.
    /// Contradicting: another value of a functional predicate for the same key; the negation of the evidence (or the
    /// positive form of a negated evidence); any belief <c>Q</c> for which <c>incompatible(Evidence, Q)</c> or
    /// <c>incompatible(Q, Evidence)</c> holds, when the store defines <c>incompatible/2</c>.
    /// </summary>
    public BeliefRevision Revise(string agent, string contradiction)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return Revise(new Atom(agent), ParseGround(contradiction, "evidence"));
    }

    /// <summary>Revises an agent's beliefs (see <see cref="Revise(string, string)"/>).</summary>
    public BeliefRevision Revise(Term agent, Term contradiction)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(contradiction);
        BeliefRevision? result = null;
        Change(s =>
        {
            result = ReviseCore(s, new Compound(BeliefTerms.Believes, agent, contradiction));
            return true;
        });
        return result!;
    }

    /// <summary>Removes everything: facts, rules, declarations and directives.</summary>
    public void Clear() => Change(_ =>
    {
        var fresh = Build(new BeliefModel(_opt.MaxNestingDepth), OperatorTable.Default);
        lock (_read) _state = fresh;
        Notify(null, BeliefUpdateKind.Removed);
        return true;
    });

    // ------------------------------------------------------------------ queries

    /// <summary>
    /// Runs a query (SWI-Prolog syntax plus <c>AND</c>/<c>OR</c>/<c>NOT</c>), such as <c>believes(X, at(key, R))</c>,
    /// under <see cref="BeliefStoreOptions.Query"/> limits unless <paramref name="options"/> are given. Each solution maps
    /// the query's variables (except <c>_</c>-prefixed ones) to their values. Queries cannot change the store.
    /// </summary>
    /// <exception cref="BeliefStoreException">syntax error, term too large, or a goal that would change the store</exception>
    /// <exception cref="PrologException">the query raised an error or exceeded a limit</exception>
    public QueryResult Query(string query, QueryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        var s = _state;
        if (s.Parsed.Find(query) is not { } e)
        {
            var r = Parse(query, "query", s);
            List<KeyValuePair<string, Variable>>? names = null;
            foreach (var kv in r.VariableNames)
                if (!kv.Key.StartsWith('_')) (names ??= []).Add(kv);
            Validate(r.Term, "query", new Where("query"), ground: false);
            e = new ParsedQueries.Entry(r.Term, names is null ? [] : names.ToArray());
            s.Parsed.Keep(query, e);
        }
        return RunChecked(s, e.Goal, e.Names, options);
    }

    /// <summary>Runs a query given as a term; <paramref name="names"/> are the variables to report.</summary>
    public QueryResult Query(Term goal, IReadOnlyList<KeyValuePair<string, Variable>> names, QueryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(goal);
        ArgumentNullException.ThrowIfNull(names);
        return RunQuery(_state, goal, names, options);
    }

    // ------------------------------------------------------------------ core operations (caller holds _write)

    private T Change<T>(Func<State, T> op)
    {
        T result;
        List<BeliefUpdate>? pending;
        using var span = BeliefTelemetry.Source.StartActivity("belief_update");
        span?.SetTag("component", "belief_store");
        lock (_write)
        {
            if (_changeDepth == 0) _pending = null;
            _changeDepth++;
            try
            {
                result = op(_state);
            }
            finally
            {
                if (--_changeDepth == 0) EndWrites();
            }
            if (_changeDepth > 0) return result;
            pending = _pending;
            _pending = null;
        }
        if (pending is not null && Updated is { } handler)
            foreach (var u in pending) handler(u);
        return result;
    }

    private List<BeliefUpdate>? _pending;

    private void Notify(Term? agent, BeliefUpdateKind kind)
    {
        BeliefTelemetry.RecordUpdate(agent, kind);
        if (Monitor.IsEntered(_write)) (_pending ??= []).Add(new BeliefUpdate(agent, kind));
        else Updated?.Invoke(new BeliefUpdate(agent, kind));
    }

    private bool AddFactCore(State s, Term fact, string what, Where w)
    {
        var (chain, content) = ValidateFact(fact, what, w);
        var model = s.Model;
        if (model.Entries.ContainsKey(fact)) return false;
        var entry = model.NewEntry(chain, content, fact);
        BeliefEntry? old = entry.FunctionalKey is { } key && model.ByFunctionalKey.TryGetValue(key, out var o) ? o : null;
        Change(s, fact, old is null ? [] : [old.Fact], what, w);
        lock (_read)
        {
            if (old is not null) model.Remove(old);
            model.Add(entry);
        }
        Notify(entry.Belief.Agent, old is null ? BeliefUpdateKind.Added : BeliefUpdateKind.Replaced);
        return true;
    }

    private BeliefRevision ReviseCore(State s, Term fact)
    {
        var w = new Where("evidence");
        var (chain, content) = ValidateFact(fact, "evidence", w);
        var model = s.Model;
        var conflicts = new List<BeliefEntry>();
        void Conflict(Term f)
        {
            if (!f.Equals(fact) && model.Entries.TryGetValue(f, out var e) && !conflicts.Contains(e)) conflicts.Add(e);
        }
        if (model.KeyOf(chain, content) is { } key && model.ByFunctionalKey.TryGetValue(key, out var old)) Conflict(old.Fact);
        if (BeliefTerms.Negated(content) is { } positive) Conflict(BeliefTerms.Wrap(chain, positive));
        else
        {
            Conflict(BeliefTerms.Wrap(chain, new Compound("\\+", content)));
            Conflict(BeliefTerms.Wrap(chain, new Compound("not", content)));
        }
        if (DefinesIncompatible(model) && model.ByAgent.TryGetValue(chain[0], out var held))
        {
            foreach (var e in held)
            {
                if (!SameChain(e.Belief.Chain, chain) || e.Fact.Equals(fact)) continue;
                var other = e.Belief.Content;
                if (Proves(s, new Compound("incompatible", content, other), w) || Proves(s, new Compound("incompatible", other, content), w))
                    Conflict(e.Fact);
            }
        }
        bool present = model.Entries.TryGetValue(fact, out var existing);
        var entry = existing ?? model.NewEntry(chain, content, fact);
        Change(s, present ? null : fact, conflicts.ConvertAll(c => c.Fact), "evidence", w);
        lock (_read)
        {
            foreach (var c in conflicts) model.Remove(c);
            if (!present) model.Add(entry);
        }
        Notify(chain[0], BeliefUpdateKind.Revised);
        return new BeliefRevision(entry.Belief, conflicts.ConvertAll(c => c.Belief));
    }

    private static bool DefinesIncompatible(BeliefModel model)
    {
        var ind = new PredicateIndicator("incompatible", 2);
        if (model.ByPredicate.ContainsKey(ind)) return true;
        foreach (var r in model.Rules) if (r.Head == ind) return true;
        return false;
    }

    private static bool SameChain(IReadOnlyList<Term> a, IReadOnlyList<Term> b)
    {
        if (a.Count != b.Count) return false;
        for (int i = 0; i < a.Count; i++) if (!a[i].Equals(b[i])) return false;
        return true;
    }

    private bool Proves(State s, Term goal, Where w)
    {
        try { return s.Engine.QueryReadOnly(goal, [], _opt.Query with { MaxSolutions = 1 }).Succeeded; }
        catch (PrologException e) { throw new BeliefStoreException($"checking {Short(goal)} failed: {Short(e.Ball)}", w.Source, w.Line, w.Column, e); }
    }

    private void AddRuleCore(State s, Term clause, Where w)
    {
        Validate(clause, "rule", w, ground: false);
        var head = clause is Compound { Functor: ":-", Arity: 2 } rc ? rc.Args[0] : clause;
        if (head is not (Atom or Compound))
            throw new BeliefStoreException($"rule {Short(clause)} has a head that is not an atom or compound term", w.Source, w.Line, w.Column);
        if (clause is Compound { Functor: "-->", Arity: 2 })
            throw new BeliefStoreException($"grammar rules (-->) are not supported in a belief store: {Short(clause)}", w.Source, w.Line, w.Column);
        Assert(s, clause, "rule", w);
        var entry = new RuleEntry(clause, BeliefTerms.IndicatorOf(head), s.Model.NextSeq++);
        lock (_read) s.Model.Rules.Add(entry);
    }

    private void DeclareCore(State s, BeliefPredicate p, Where w)
    {
        var ind = p.Indicator;
        if (ind == new PredicateIndicator(BeliefTerms.Believes, 2) || ind.Name == BeliefProgramWriter.FunctionalFact)
            throw new BeliefStoreException($"{ind} is reserved by the belief store", w.Source, w.Line, w.Column);
        var probe = s.Model.Clone();
        probe.Declare(p); // throws (store unchanged) when existing facts break the functional declaration
        var spec = new Compound("/", new Atom(p.Name), new Integer(p.Arity));
        try
        {
            Term goal = new Compound(",", new Compound("dynamic", spec), new Compound("retractall", new Compound(BeliefProgramWriter.FunctionalFact, spec, new Variable())));
            if (p.IsFunctional)
                goal = new Compound(",", goal, new Compound("assertz", new Compound(BeliefProgramWriter.FunctionalFact, spec, Term.List(p.FunctionalIn.Select(k => (Term)new Integer(k))))));
            Write(s, goal);
        }
        catch (PrologException e)
        {
            throw new BeliefStoreException($"cannot declare {p}: {Short(e.Ball)}", w.Source, w.Line, w.Column, e);
        }
        lock (_read) s.Model.Declare(p);
    }

    private void ApplyClause(State s, Term t, Where w)
    {
        switch (t)
        {
            case Compound { Functor: ":-", Arity: 1 } d:
                ApplyDirective(s, d.Args[0], w);
                return;
            case Compound { Functor: "?-", Arity: 1 }:
                throw new BeliefStoreException("queries (?- Goal) are not allowed in a belief program", w.Source, w.Line, w.Column);
            case Compound { Functor: BeliefProgramWriter.FunctionalFact, Arity: 2 } f:
                DeclareCore(s, ParseDeclaration(f, w), w);
                return;
            case Compound { Functor: ":-", Arity: 2 }:
            case Compound { Functor: "-->", Arity: 2 }:
                AddRuleCore(s, t, w);
                return;
        }
        if (t.IsGround) AddFactCore(s, t, "fact", w);
        else AddRuleCore(s, t, w);
    }

    private static BeliefPredicate ParseDeclaration(Compound f, Where w)
    {
        if (f.Args[0] is Compound { Functor: "/", Arity: 2 } spec && spec.Args[0] is Atom name && spec.Args[1] is Integer arity
            && arity.Value >= 0 && arity.Value <= 1024 && f.Args[1].AsList() is { } keys)
        {
            var ks = new int[keys.Count];
            for (int i = 0; i < ks.Length; i++)
            {
                if (keys[i] is not Integer k || k.Value < 1 || k.Value > arity.Value) goto bad;
                ks[i] = (int)k.Value;
            }
            try { return new BeliefPredicate(name.Name, (int)arity.Value) { FunctionalIn = ks }; }
            catch (ArgumentException e) { throw new BeliefStoreException(e.Message, w.Source, w.Line, w.Column, e); }
        }
    bad:
        throw new BeliefStoreException($"bad declaration {Short(f)}: expected {BeliefProgramWriter.FunctionalFact}(Name/Arity, [KeyArgument, ...])", w.Source, w.Line, w.Column);
    }

    private void ApplyDirective(State s, Term d, Where w)
    {
        switch (d)
        {
            case Compound { Functor: "dynamic" or "discontiguous" or "table", Arity: 1 }:
            case Compound { Functor: "op", Arity: 3 }:
                try { Write(s, d); }
                catch (PrologException e) { throw new BeliefStoreException($"directive {Short(d)} failed: {Short(e.Ball)}", w.Source, w.Line, w.Column, e); }
                break;
            case Compound { Functor: "use_module" or "ensure_loaded", Arity: 1 or 2 }:
                break; // the engine's library is always loaded; kept for SWI-Prolog
            default:
                throw new BeliefStoreException($"directive {Short(d)} is not allowed in a belief program (allowed: dynamic, discontiguous, table, op, use_module, ensure_loaded)", w.Source, w.Line, w.Column);
        }
        var head = (Compound)d;
        if (head.Functor == "discontiguous") return; // every saved predicate is declared discontiguous anyway
        if (head.Functor == "dynamic")
        {
            // name/arity specs become declarations (saved as dynamic); other forms are kept as written.
            bool allSimple = true;
            foreach (var spec in Specs(head.Args[0]))
            {
                if (spec is Compound { Functor: "/", Arity: 2 } sl && sl.Args[0] is Atom n && sl.Args[1] is Integer a && a.Value >= 0 && a.Value <= 1024)
                {
                    var ind = new PredicateIndicator(n.Name, (int)a.Value);
                    if (ind == new PredicateIndicator(BeliefTerms.Believes, 2) || ind.Name == BeliefProgramWriter.FunctionalFact || s.Model.Declared.ContainsKey(ind)) continue;
                    DeclareCore(s, new BeliefPredicate(ind.Name, ind.Arity), w);
                }
                else allSimple = false;
            }
            if (allSimple) return;
        }
        lock (_read) s.Model.Directives.Add(d);
    }

    /// <summary>The predicate specs of <c>a/1, b/2</c> or <c>[a/1, b/2]</c>.</summary>
    private static List<Term> Specs(Term t)
    {
        var result = new List<Term>();
        var stack = new Stack<Term>();
        stack.Push(t);
        while (stack.Count > 0)
        {
            var x = stack.Pop();
            if (x is Compound { Functor: "," or Term.ListFunctor, Arity: 2 } pair)
            {
                stack.Push(pair.Args[1]);
                stack.Push(pair.Args[0]);
            }
            else if (x is not Atom { IsNil: true }) result.Add(x);
        }
        return result;
    }

    private (Term[] Chain, Term Content) ValidateFact(Term fact, string what, Where w)
    {
        Validate(fact, what, w, ground: true);
        var content = BeliefTerms.Unwrap(fact, _opt.MaxNestingDepth, out var chain)
            ?? throw new BeliefStoreException($"{what} {Short(fact)} is nested deeper than the limit of {_opt.MaxNestingDepth}", w.Source, w.Line, w.Column);
        if (content is not (Atom or Compound))
            throw new BeliefStoreException($"{what} {Short(fact)} is not about a predicate: {Short(content)} is not an atom or compound term", w.Source, w.Line, w.Column);
        if (content is Compound { Functor: ":-" or "," or ";" or "->" })
            throw new BeliefStoreException($"{what} {Short(fact)} is not a fact: {Short(content)} is a control construct", w.Source, w.Line, w.Column);
        return (chain, content);
    }

    private void Validate(Term t, string what, Where w, bool ground)
    {
        if (BeliefTerms.Check(t, _opt.MaxTermNodes, ground) is { } problem)
            throw new BeliefStoreException($"{what} {Short(t)} {problem}", w.Source, w.Line, w.Column);
    }

    private void Assert(State s, Term clause, string what, Where w)
    {
        try { Write(s, new Compound("assertz", clause)); }
        catch (PrologException e) { throw new BeliefStoreException($"cannot store {what} {Short(clause)}: {Short(e.Ball)}", w.Source, w.Line, w.Column, e); }
    }

    /// <summary>Adds <paramref name="add"/> and removes <paramref name="remove"/> in one engine step, so no query sees half of it.</summary>
    private void Change(State s, Term? add, List<Term> remove, string what, Where w)
    {
        Term goal = Atom.True;
        for (int i = remove.Count - 1; i >= 0; i--)
            goal = goal is Atom { Name: "true" } ? new Compound("retract", remove[i]) : new Compound(",", new Compound("retract", remove[i]), goal);
        if (add is not null)
            goal = goal is Atom { Name: "true" } ? new Compound("assertz", add) : new Compound(",", new Compound("assertz", add), goal);
        try { Write(s, goal); }
        catch (PrologException e) { throw new BeliefStoreException($"cannot store {what} {Short(add ?? goal)}: {Short(e.Ball)}", w.Source, w.Line, w.Column, e); }
    }

    private void Retract(State s, Term fact) => Write(s, new Compound("retract", fact));

    /// <summary>
    /// Runs a change of the engine in the writer session of the change in progress (opened on first use): all or
    /// nothing on its own, published with the rest of the change when the outermost change ends.
    /// </summary>
    private QueryResult Write(State s, Term goal)
    {
        if (_session is null || !ReferenceEquals(_sessionEngine, s.Engine))
        {
            EndWrites();
            _session = s.Engine.OpenSession(SessionMode.ReadWrite);
            _sessionEngine = s.Engine;
        }
        return _session.Query(goal, [], s_internalQuery);
    }

    /// <summary>Publishes the engine changes of the change that ends (each failed write undid itself, so what is left matches the model).</summary>
    private void EndWrites()
    {
        var session = _session;
        if (session is null) return;
        _session = null;
        _sessionEngine = null;
        try { session.Commit(); }
        finally { session.Dispose(); }
    }

    /// <summary>How queries are read (made once: a query's path allocates little).</summary>
    private ReaderOptions? _queryReading;

    private ReadResult Parse(string text, string source, State s)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > _opt.MaxTextLength)
            throw new BeliefStoreException($"{source} text of {text.Length} characters exceeds the limit of {_opt.MaxTextLength}", source, 1, 1);
        try
        {
            var options = source == "query"
                ? _queryReading ??= new ReaderOptions { SourceName = source, MaxTextLength = _opt.MaxTextLength }
                : new ReaderOptions { SourceName = source, MaxTextLength = _opt.MaxTextLength };
            return new TermReader(text, s.Engine.Operators, options).ReadSingle();
        }
        catch (SyntaxErrorException e)
        {
            throw new BeliefStoreException("syntax error: " + e.Reason, source, e.Line, e.Column, e);
        }
    }

    private Term ParseGround(string text, string what)
    {
        var r = Parse(text, what, _state);
        if (r.VariableNames.Count > 0)
            throw new BeliefStoreException($"{what} {Short(r.Term)} is not ground (variable {r.VariableNames[0].Key}): a stored {what} must be ground", what, r.Line, r.Column);
        Validate(r.Term, what, new Where(what, r.Line, r.Column), ground: true);
        return r.Term;
    }

    private static string Short(Term t)
    {
        try { return TermWriter.Format(t, OperatorTable.Default, new WriteOptions(Quoted: true, MaxLength: 200)); }
        catch (InvalidOperationException) { return "(unprintable term)"; }
    }

    private static State Build(BeliefModel model, OperatorTable ops)
    {
        var engine = new PrologEngine();
        var r = engine.Consult(BeliefProgramWriter.Write(model, ops), "belief store");
        if (!r.Ok) throw new InvalidOperationException("belief store could not rebuild its engine: " + string.Join("; ", r.Errors));
        return new State(model, engine);
    }
}

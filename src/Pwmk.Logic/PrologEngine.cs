using System.Text;
using Pwmk.Logic.Parsing;
using Pwmk.Logic.Solving;
using Pwmk.Logic.Terms;
using System.Diagnostics;

namespace Pwmk.Logic;

/// <summary>Limits and output of one query.</summary>
public sealed record QueryOptions
{
    /// <summary>Stop after this many solutions (the result says it was truncated).</summary>
    public int MaxSolutions { get; init; } = 10_000;
    /// <summary>Wall-clock limit; the query throws a <c>time_limit_exceeded</c> <see cref="PrologException"/>.</summary>
    public TimeSpan? Timeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Maximum number of inferences (predicate calls).</summary>
    public long MaxInferences { get; init; } = long.MaxValue;
    /// <summary>Maximum heap size in 8-byte cells.</summary>
    public int MaxHeapCells { get; init; } = 64 * 1024 * 1024;
    /// <summary>Maximum characters the query may write.</summary>
    public long MaxOutputChars { get; init; } = 16 * 1024 * 1024;
    /// <summary>Where <c>write/1</c>, <c>format/2</c> ... go; by default into <see cref="QueryResult.Output"/>.</summary>
    public TextWriter? Output { get; init; }
    /// <summary>Cancels the query (it throws a resource error).</summary>
    public CancellationToken Cancel { get; init; }

    /// <summary>The default options.</summary>
    public static QueryOptions Default { get; } = new();
}

/// <summary>One solution of a query: the values of the query's named variables.</summary>
public sealed class Solution
{
    internal Solution(IReadOnlyList<KeyValuePair<string, Term>> bindings) => Bindings = bindings;

    /// <summary>Variable name and value, in order of first appearance in the query (variables starting with <c>_</c> excluded).</summary>
    public IReadOnlyList<KeyValuePair<string, Term>> Bindings { get; }

    /// <summary>The value of a variable of the query.</summary>
    public Term this[string name] => Bindings.First(b => b.Key == name).Value;

    /// <summary>Formats as <c>X = a, Y = f(b)</c> (<c>true</c> when there are no bindings).</summary>
    public override string ToString() => Bindings.Count == 0 ? "true" : string.Join(", ", Bindings.Select(b => b.Key + " = " + b.Value));
}

/// <summary>The result of a query.</summary>
public sealed class QueryResult
{
    internal QueryResult(IReadOnlyList<Solution> solutions, bool truncated, string output, long inferences, TimeSpan elapsed)
    {
        Solutions = solutions;
        Truncated = truncated;
        Output = output;
        Inferences = inferences;
        Elapsed = elapsed;
    }

    /// <summary>The solutions found (at most <see cref="QueryOptions.MaxSolutions"/>).</summary>
    public IReadOnlyList<Solution> Solutions { get; }
    /// <summary>True when the query stopped at <see cref="QueryOptions.MaxSolutions"/>.</summary>
    public bool Truncated { get; }
    /// <summary>Text the query wrote (when no <see cref="QueryOptions.Output"/> was given).</summary>
    public string Output { get; }
    /// <summary>Predicate calls made.</summary>
    public long Inferences { get; }
    /// <summary>Time taken.</summary>
    public TimeSpan Elapsed { get; }
    /// <summary>True when at least one solution was found.</summary>
    public bool Succeeded => Solutions.Count > 0;
}

/// <summary>A problem found while consulting program text.</summary>
public sealed record ConsultMessage(string Source, int Line, int Column, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Source}:{Line}:{Column}: {Message}";
}

/// <summary>What consulting program text did.</summary>
public sealed record ConsultResult(int Clauses, IReadOnlyList<ConsultMessage> Errors)
{
    /// <summary>True when every clause and directive was accepted.</summary>
    public bool Ok => Errors.Count == 0;
}

/// <summary>
/// An embedded Prolog engine (SWI-Prolog syntax and semantics for the supported built-ins):
/// consult program text, assert and retract clauses, and run queries with limits. Thread-safe:
/// operations are serialised. Queries cannot touch files or processes.
/// </summary>
public sealed class PrologEngine
{
    private readonly Database _db = new();
    private readonly Machine _m;
    private readonly object _lock = new();
    private static readonly string s_library = LoadLibraryText();

    /// <summary>Creates an engine with the built-ins and the library loaded.</summary>
    public PrologEngine()
    {
        Builtins.Register(_db);
        _m = new Machine(_db);
        var r = ConsultCore(s_library, "library.pl", library: true);
        if (!r.Ok) throw new InvalidOperationException("library failed to load: " + string.Join("; ", r.Errors));
        foreach (var p in _db.AllPredicates())
            if (!p.IsBuiltin && p.Clauses.Count > 0) p.Library = true;
    }

    /// <summary>The operator table (changed by <c>op/3</c>).</summary>
    public OperatorTable Operators => _db.Ops;

    private static string LoadLibraryText()
    {
        using var s = typeof(PrologEngine).Assembly.GetManifestResourceStream("Pwmk.Logic.library.pl")
            ?? throw new InvalidOperationException("library.pl resource missing");
        using var r = new StreamReader(s, Encoding.UTF8);
        return r.ReadToEnd();
    }

    /// <summary>Loads clauses and runs directives from program text. Bad clauses are reported (with line and column) and skipped.</summary>
    public ConsultResult Consult(string text, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        lock (_lock) return ConsultCore(text, sourceName ?? "user", library: false);
    }

    private ConsultResult ConsultCore(string text, string source, bool library)
    {
        var errors = new List<ConsultMessage>();
        int clauses = 0;
        TermReader reader;
        try { reader = new TermReader(text, _db.Ops, new ReaderOptions { SourceName = source }); }
        catch (SyntaxErrorException e)
        {
            errors.Add(new ConsultMessage(source, e.Line, e.Column, "syntax error: " + e.Reason));
            return new ConsultResult(0, errors);
        }
        var initGoals = new List<(Term Goal, int Line, int Col)>();
        while (true)
        {
            ReadResult? r;
            try
            {
                r = reader.ReadClause();
            }
            catch (SyntaxErrorException e)
            {
                errors.Add(new ConsultMessage(source, e.Line, e.Column, "syntax error: " + e.Reason));
                reader.SkipToClauseEnd();
                continue;
            }
            if (r is null) break;
            try
            {
                if (r.Term is Compound { Functor: ":-", Arity: 1 } d)
                {
                    if (d.Args[0] is Compound { Functor: "initialization" } init)
                    {
                        initGoals.Add((init.Args[0], r.Line, r.Column));
                        continue;
                    }
                    if (!RunOnce(d.Args[0], out var err))
                        errors.Add(new ConsultMessage(source, r.Line, r.Column, err ?? "directive failed: " + d.Args[0]));
                    continue;
                }
                var clause = r.Term;
                if (clause is Compound { Functor: "-->", Arity: 2 })
                {
                    var v = new Variable("Out");
                    var sol = QueryCore(new Compound("dcg_translate_rule", clause, v), new QueryOptions { MaxSolutions = 1 }, [new("Out", v)]);
                    if (sol.Solutions.Count == 0) throw new PrologException(new Compound("error", new Compound("domain_error", new Atom("dcg_rule"), clause), new Variable()));
                    clause = sol.Solutions[0].Bindings[0].Value;
                }
                ResetMachine();
                _m.Limits = new Limits();
                long cell = _m.FromTerm(clause);
                Builtins.AddClause(_m, cell, atEnd: true, consulting: true);
                clauses++;
            }
            catch (PrologError e)
            {
                errors.Add(new ConsultMessage(source, r.Line, r.Column, Describe(e.Ball)));
            }
            catch (PrologException e)
            {
                errors.Add(new ConsultMessage(source, r.Line, r.Column, Describe(e.Ball)));
            }
            finally
            {
                ResetMachine();
            }
        }
        foreach (var (goal, line, col) in initGoals)
            if (!RunOnce(goal, out var err))
                errors.Add(new ConsultMessage(source, line, col, err ?? "initialization goal failed: " + goal));
        // a loaded program mostly stays as it is: its clause arrays need not keep room to grow
        lock (_db.WriteLock)
        {
            foreach (var p in _db.AllPredicates()) p.TrimExcess();
        }
        return new ConsultResult(clauses, errors);
    }

    private bool RunOnce(Term goal, out string? error)
    {
        error = null;
        try
        {
            return QueryCore(goal, new QueryOptions { MaxSolutions = 1 }, []).Succeeded;
        }
        catch (PrologException e)
        {
            error = Describe(e.Ball);
            return false;
        }
    }

    private string Describe(Term ball) => "exception: " + TermWriter.Format(ball, _db.Ops, new WriteOptions(Quoted: true, MaxLength: 4000));

    /// <summary>Runs a query written as text (for example <c>believes(X, at(key, R))</c>).</summary>
    /// <exception cref="SyntaxErrorException">the text is not a term</exception>
    /// <exception cref="PrologException">the query raised an uncaught error or hit a limit</exception>
    public QueryResult Query(string query, QueryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        var r = new TermReader(query, _db.Ops, new ReaderOptions { SourceName = "query" }).ReadSingle();
        var names = new List<KeyValuePair<string, Variable>>();
        foreach (var kv in r.VariableNames)
            if (!kv.Key.StartsWith('_')) names.Add(kv);
        lock (_lock) return QueryCore(r.Term, options ?? QueryOptions.Default, names);
    }

    /// <summary>Runs a query given as a term; <paramref name="names"/> are the variables to report.</summary>
    public QueryResult Query(Term goal, IReadOnlyList<KeyValuePair<string, Variable>> names, QueryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(goal);
        lock (_lock) return QueryCore(goal, options ?? QueryOptions.Default, names);
    }

    /// <summary>True when the query has a solution.</summary>
    public bool Prove(string query, QueryOptions? options = null) =>
        Query(query, (options ?? QueryOptions.Default) with { MaxSolutions = 1 }).Succeeded;

    /// <summary>Adds a clause at the end of its (dynamic) predicate.</summary>
    public void Assert(Term clause) => Run(new Compound("assertz", clause));

    /// <summary>Removes every clause whose head unifies with <paramref name="head"/>.</summary>
    public void RetractAll(Term head) => Run(new Compound("retractall", head));

    private void Run(Term goal)
    {
        lock (_lock) QueryCore(goal, new QueryOptions { MaxSolutions = 1 }, []);
    }

    /// <summary>Heap size (cells) below which the heap collector never runs; tests lower it to collect at almost every call.</summary>
    internal int GcFloorCells
    {
        get => _m.GcFloor;
        set => _m.GcFloor = Math.Max(16, value);
    }

    /// <summary>Clauses held in the arrays of <paramref name="name"/>/<paramref name="arity"/>, retracted ones not yet dropped included.</summary>
    internal int ClauseSlots(string name, int arity) => _db.TryGet(Symbols.Functor(name, arity))?.Clauses.Count ?? 0;

    /// <summary>Room of the clause array of <paramref name="name"/>/<paramref name="arity"/> (used slots and spare ones).</summary>
    internal int ClauseCapacity(string name, int arity) => _db.TryGet(Symbols.Functor(name, arity))?.Clauses.Arr.Length ?? 0;

    /// <summary>Heap collections run and cells reclaimed by this engine.</summary>
    internal (long Runs, long Reclaimed, long Skipped, long InNestedRuns) GcStats => (_m.GcRuns, _m.GcReclaimed, _m.GcSkipped, _m.GcInNestedRuns);

    private void ResetMachine()
    {
        _m.H = 1;
        _m.B = -1;
        _m.E = -1;
        _m.TR = 0;
        _m.HB = 0;
        _m.BaseB = -1;
        _m.Collectors.Clear();
        _m.CollectedCells = 0;
    }

    private QueryResult QueryCore(Term goal, QueryOptions opt, IReadOnlyList<KeyValuePair<string, Variable>> names)
    {
        long started = Stopwatch.GetTimestamp();
        ResetMachine();
        var limits = new Limits
        {
            MaxInferences = opt.MaxInferences,
            TimeoutTicks = opt.Timeout is { } t ? (long)(t.TotalSeconds * Stopwatch.Frequency) : long.MaxValue,
            MaxHeapCells = opt.MaxHeapCells,
            Cancel = opt.Cancel,
        };
        var output = opt.Output is null ? new StringWriter() : null;
        var savedOut = _m.Out;
        _m.Out = opt.Output ?? output!;
        _m.OutputChars = 0;
        _m.MaxOutputChars = opt.MaxOutputChars;
        _m.Limits = limits;
        long inf0 = _m.Inferences;
        _m.StartClock();
        var log = new List<(Clause, bool)>();
        _db.Log = log;
        var solutions = new List<Solution>();
        bool truncated = false;
        try
        {
            var vars = new Dictionary<Variable, long>(ReferenceEqualityComparer.Instance);
            long g = _m.FromTerm(goal, vars);
            // the goal's variables are roots of the heap collector, which may move them: the reported ones first
            // (0: not in the goal), then all of them, so what the goal binds lives as long as the query
            var roots = new long[names.Count + vars.Count];
            for (int i = 0; i < names.Count; i++) roots[i] = vars.TryGetValue(names[i].Value, out long cell) ? cell : 0;
            vars.Values.CopyTo(roots, names.Count);
            _m.QueryRoots = roots;
            _m.ResetGc();
            bool ok = _m.StartGoal(g) && _m.Run();
            while (ok)
            {
                var map = new Dictionary<int, Variable>();
                var b = new List<KeyValuePair<string, Term>>(names.Count);
                for (int i = 0; i < names.Count; i++)
                    b.Add(new(names[i].Key, roots[i] != 0 ? _m.ToTerm(roots[i], map) : names[i].Value));
                solutions.Add(new Solution(b));
                if (solutions.Count >= opt.MaxSolutions)
                {
                    truncated = _m.B > _m.BaseB;
                    break;
                }
                ok = _m.Redo();
            }
        }
        catch (PrologError e)
        {
            if (IsLimit(e.Ball)) Rollback(log);
            throw new PrologException(e.Ball) { Elapsed = Stopwatch.GetElapsedTime(started) };
        }
        catch (SyntaxErrorException)
        {
            throw;
        }
        finally
        {
            _db.Log = null;
            _m.QueryRoots = null;
            _m.Out = savedOut;
            ResetMachine();
            ReclaimHeap();
            _db.CompactDead();
        }
        return new QueryResult(solutions, truncated, output?.ToString() ?? "", _m.Inferences - inf0, Stopwatch.GetElapsedTime(started));
    }

    private void ReclaimHeap()
    {
        if (_m.Heap.Length > 1 << 22) _m.Heap = new long[1 << 16];
    }

    private static bool IsLimit(Term ball) => new PrologException(ball).IsLimit;

    /// <summary>Undoes the clause changes of a query stopped by a limit (nothing half-done is kept).</summary>
    private void Rollback(List<(Clause Clause, bool Added)> log)
    {
        lock (_db.WriteLock)
        {
            for (int i = log.Count - 1; i >= 0; i--)
            {
                var (c, added) = log[i];
                if (added)
                {
                    c.Died = c.Born;       // never visible
                    _db.NoteDead(c.Pred);
                }
                else c.Died = ulong.MaxValue;     // alive again
            }
            _db.NextGeneration();
        }
    }
}

using System.Text;
using Pwmk.Logic.Parsing;
using Pwmk.Logic.Solving;
using Pwmk.Logic.Terms;

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
    /// <summary>The memory budget the query's machine charges what it grows to; null: <see cref="MemoryBudget.Shared"/>.</summary>
    public MemoryBudget? Memory { get; init; }

    /// <summary>The default options.</summary>
    public static QueryOptions Default { get; } = new();
}

/// <summary>One solution of a query: the values of the query's named variables.</summary>
public sealed class Solution
{
    internal Solution(IReadOnlyList<KeyValuePair<string, Term>> bindings) => Bindings = bindings;

    /// <summary>The solution of a query that reports no variables.</summary>
    internal static Solution Empty { get; } = new([]);

    private static readonly IReadOnlyList<Solution> s_none = [], s_once = new System.Collections.ObjectModel.ReadOnlyCollection<Solution>([Empty]);

    /// <summary><paramref name="count"/> times <see cref="Empty"/> (no list made for none or one: what point queries give).</summary>
    internal static IReadOnlyList<Solution> Repeated(int count) => count switch
    {
        0 => s_none,
        1 => s_once,
        _ => Enumerable.Repeat(Empty, count).ToList(),
    };

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
    /// <summary>Directives that failed or raised an error: reported, and the rest of the text loaded all the same (as SWI-Prolog does).</summary>
    public IReadOnlyList<ConsultMessage> Warnings { get; init; } = [];

    /// <summary>What the directives and initialization goals wrote (<c>write/1</c>, <c>format/2</c> ...).</summary>
    public string Output { get; init; } = "";

    /// <summary>True when every clause was accepted (directives that failed are <see cref="Warnings"/>).</summary>
    public bool Ok => Errors.Count == 0;
}

/// <summary>
/// An embedded Prolog engine (SWI-Prolog syntax and semantics for the supported built-ins): consult program text,
/// assert and retract clauses, and run queries with limits. Queries cannot touch files or processes.
/// <para>
/// Queries run in sessions of the engine. <see cref="QueryReadOnly(string, QueryOptions?)"/> (and read-only
/// <see cref="PrologSession"/>s) run side by side on machines of their own, each over the clauses as they were when it
/// started; such a query can read everything and change nothing shared: every built-in that would change the clauses,
/// flags, operators or global variables raises <c>permission_error(modify, ...)</c>, however it is reached.
/// <see cref="Query(string, QueryOptions?)"/>, <see cref="Consult"/>, <see cref="Assert"/> and write sessions run one
/// at a time on the writer; what they change is published to later read-only queries at once, when it commits, so
/// no reader sees half of it, and no writer waits for a reader. Thread-safe.
/// </para>
/// </summary>
public sealed class PrologEngine
{
    private readonly Database _db = new();
    private readonly Machine _writer;
    private readonly MachinePool _readers;
    private static readonly string s_library = LoadLibraryText();

    /// <summary>Creates an engine with the built-ins and the library loaded.</summary>
    public PrologEngine()
    {
        Builtins.Register(_db);
        _writer = new Machine(_db, readOnly: false);
        _readers = new MachinePool(_db, 2 * Environment.ProcessorCount);
        var r = ConsultAsWriter(s_library, "library.pl", library: true);
        if (!r.Ok) throw new InvalidOperationException("library failed to load: " + string.Join("; ", r.Errors));
        foreach (var p in _db.AllPredicates())
            if (!p.IsBuiltin && p.Clauses.Count > 0) p.Library = true;
    }

    /// <summary>The operator table (changed by <c>op/3</c> in a writer).</summary>
    public OperatorTable Operators => _db.Ops;

    internal Database Db => _db;

    internal MachinePool Readers => _readers;

    private static string LoadLibraryText()
    {
        using var s = typeof(PrologEngine).Assembly.GetManifestResourceStream("Pwmk.Logic.library.pl")
            ?? throw new InvalidOperationException("library.pl resource missing");
        using var r = new StreamReader(s, Encoding.UTF8);
        return r.ReadToEnd();
    }

    /// <summary>
    /// Loads clauses and runs directives from program text (a writer session). Bad clauses are reported (with line and column) and skipped;
    /// a directive that fails or raises an error is a warning and loading goes on; <c>:- if/elif/else/endif</c> select
    /// the text that is loaded.
    /// </summary>
    public ConsultResult Consult(string text, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ConsultAsWriter(text, sourceName ?? "user", library: false);
    }

    private ConsultResult ConsultAsWriter(string text, string source, bool library)
    {
        EnterWriter();
        try
        {
            return ConsultCore(text, source, library);
        }
        finally
        {
            LeaveWriter(commit: true);
        }
    }

    private ConsultResult ConsultCore(string text, string source, bool library)
    {
        var errors = new List<ConsultMessage>();
        int clauses = 0;
        TermReader reader;
        try { reader = new TermReader(text, _db.Ops, new ReaderOptions { SourceName = source, DoubleQuotes = _db.DoubleQuotes }); }
        catch (SyntaxErrorException e)
        {
            errors.Add(new ConsultMessage(source, e.Line, e.Column, "syntax error: " + e.Reason));
            return new ConsultResult(0, errors);
        }
        var warnings = new List<ConsultMessage>();
        var output = new StringBuilder();
        var initGoals = new List<(Term Goal, int Line, int Col)>();
        var conditions = new ConditionalText();
        var m = _writer;
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
            if (conditions.Skips(r, goal => RunOnce(goal, out _))) continue;
            try
            {
                if (r.Term is Compound { Functor: ":-", Arity: 1 } d)
                {
                    if (d.Args[0] is Compound { Functor: "initialization" } init)
                    {
                        initGoals.Add((init.Args[0], r.Line, r.Column));
                        continue;
                    }
                    if (!RunOnce(d.Args[0], out var err, output))
                        warnings.Add(new ConsultMessage(source, r.Line, r.Column, err ?? "directive failed: " + d.Args[0]));
                    continue;
                }
                var clause = r.Term;
                if (clause is Compound { Functor: "-->", Arity: 2 })
                {
                    var v = new Variable("Out");
                    var sol = m.RunQuery(new Compound("dcg_translate_rule", clause, v), new QueryOptions { MaxSolutions = 1 }, [new("Out", v)]);
                    if (sol.Solutions.Count == 0) throw new PrologException(new Compound("error", new Compound("domain_error", new Atom("dcg_rule"), clause), new Variable()));
                    clause = sol.Solutions[0].Bindings[0].Value;
                }
                m.ResetRegisters();
                m.Limits = new Limits();
                long cell = m.FromTerm(clause);
                Builtins.AddClause(m, cell, atEnd: true, consulting: true);
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
                m.ResetRegisters();
            }
        }
        if (conditions.Open is { } open)
            errors.Add(new ConsultMessage(source, open.Line, open.Column, ":- if without :- endif"));
        foreach (var (goal, line, col) in initGoals)
            if (!RunOnce(goal, out var err, output))
                warnings.Add(new ConsultMessage(source, line, col, err ?? "initialization goal failed: " + goal));
        // a loaded program mostly stays as it is: its clause arrays need not keep room to grow
        lock (_db.WriteLock)
        {
            foreach (var p in _db.AllPredicates()) p.TrimExcess();
        }
        return new ConsultResult(clauses, errors) { Warnings = warnings, Output = output.ToString() };
    }

    private bool RunOnce(Term goal, out string? error, StringBuilder? output = null)
    {
        error = null;
        try
        {
            var r = _writer.RunQuery(goal, new QueryOptions { MaxSolutions = 1 }, []);
            output?.Append(r.Output);
            return r.Succeeded;
        }
        catch (PrologException e)
        {
            error = Describe(e.Ball);
            return false;
        }
    }

    private string Describe(Term ball) => "exception: " + TermWriter.Format(ball, _db.Ops, new WriteOptions(Quoted: true, MaxLength: 4000));

    /// <summary>Reads query text into a goal and the variables to report (those not starting with <c>_</c>).</summary>
    internal (Term Goal, List<KeyValuePair<string, Variable>> Names) Parse(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var r = new TermReader(query, _db.Ops, new ReaderOptions { SourceName = "query", DoubleQuotes = _db.DoubleQuotes }).ReadSingle();
        var names = new List<KeyValuePair<string, Variable>>();
        foreach (var kv in r.VariableNames)
            if (!kv.Key.StartsWith('_')) names.Add(kv);
        return (r.Term, names);
    }

    /// <summary>
    /// Runs a query written as text (for example <c>believes(X, at(key, R))</c>) in the writer: it may change the
    /// database (its changes are published when it ends, also when it raises an error; a query stopped by a limit keeps
    /// none of its clause changes). Waits for the writer to be free.
    /// </summary>
    /// <exception cref="SyntaxErrorException">the text is not a term</exception>
    /// <exception cref="PrologException">the query raised an uncaught error or hit a limit</exception>
    public QueryResult Query(string query, QueryOptions? options = null)
    {
        var (goal, names) = Parse(query);
        return Query(goal, names, options);
    }

    /// <summary>Runs a query given as a term in the writer (see <see cref="Query(string, QueryOptions?)"/>); <paramref name="names"/> are the variables to report.</summary>
    public QueryResult Query(Term goal, IReadOnlyList<KeyValuePair<string, Variable>> names, QueryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(goal);
        ArgumentNullException.ThrowIfNull(names);
        EnterWriter();
        try
        {
            return _writer.RunQuery(goal, options ?? QueryOptions.Default, names);
        }
        finally
        {
            LeaveWriter(commit: true);
        }
    }

    /// <summary>
    /// Runs a query in a read-only session: over the clauses as the last commit left them, side by side with other
    /// queries and never waiting for the writer; any change it attempts raises <c>permission_error(modify, ...)</c>.
    /// Atoms, tables and <c>b_setval/2</c> values it makes end with it.
    /// </summary>
    /// <exception cref="SyntaxErrorException">the text is not a term</exception>
    /// <exception cref="PrologException">the query raised an uncaught error or hit a limit</exception>
    public QueryResult QueryReadOnly(string query, QueryOptions? options = null)
    {
        var (goal, names) = Parse(query);
        return QueryReadOnly(goal, names, options);
    }

    /// <summary>Runs a query given as a term in a read-only session (see <see cref="QueryReadOnly(string, QueryOptions?)"/>).</summary>
    public QueryResult QueryReadOnly(Term goal, IReadOnlyList<KeyValuePair<string, Variable>> names, QueryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(goal);
        ArgumentNullException.ThrowIfNull(names);
        var m = _readers.Rent();
        try
        {
            m.View = ViewRegistry.Pin(m.Slot!, _db);
            return m.RunQuery(goal, options ?? QueryOptions.Default, names);
        }
        finally
        {
            ViewRegistry.Unpin(m.Slot!);
            _readers.Return(m);
        }
    }

    /// <summary>
    /// Opens a session: a read-only one sees the clauses of the last commit before it opened for all its queries; a
    /// writer session waits until no other writer runs, and publishes its changes at <see cref="PrologSession.Commit"/>
    /// (disposing it without committing undoes them).
    /// </summary>
    public PrologSession OpenSession(SessionMode mode)
    {
        if (mode == SessionMode.ReadOnly)
        {
            var m = _readers.Rent();
            m.View = ViewRegistry.Pin(m.Slot!, _db);
            return new PrologSession(this, m);
        }
        return new PrologSession(this, EnterWriter());
    }

    /// <summary>True when the query has a solution (run in the writer, as <see cref="Query(string, QueryOptions?)"/>).</summary>
    public bool Prove(string query, QueryOptions? options = null) =>
        Query(query, (options ?? QueryOptions.Default) with { MaxSolutions = 1 }).Succeeded;

    /// <summary>Adds a clause at the end of its (dynamic) predicate.</summary>
    public void Assert(Term clause) => Query(new Compound("assertz", clause), [], new QueryOptions { MaxSolutions = 1 });

    /// <summary>Removes every clause whose head unifies with <paramref name="head"/>.</summary>
    public void RetractAll(Term head) => Query(new Compound("retractall", head), [], new QueryOptions { MaxSolutions = 1 });

    /// <summary>Waits until the writer is free and takes it.</summary>
    internal Machine EnterWriter()
    {
        _db.WriterGate.Wait();
        return _writer;
    }

    /// <summary>Ends a use of the writer: publishes its changes (or undoes them) and frees it.</summary>
    internal void LeaveWriter(bool commit)
    {
        try
        {
            if (commit) CommitWriter();
            else _writer.UndoChanges(0);
            _writer.ChangeLog!.Clear();
            _db.Publish();
        }
        finally
        {
            _db.WriterGate.Release();
        }
    }

    /// <summary>Publishes the writer's changes so far and drops clauses no query can reach any more.</summary>
    internal void CommitWriter()
    {
        _writer.ChangeLog!.Clear();
        _db.Publish();
        _db.CompactDead();
    }

    /// <summary>Heap size (cells) below which the heap collector never runs; tests lower it to collect at almost every call.</summary>
    internal int GcFloorCells
    {
        get => _writer.GcFloor;
        set
        {
            _writer.GcFloor = Math.Max(16, value);
            _readers.GcFloor = Math.Max(16, value);
        }
    }

    /// <summary>Clauses held in the arrays of <paramref name="name"/>/<paramref name="arity"/>, retracted ones not yet dropped included.</summary>
    internal int ClauseSlots(string name, int arity) => _db.TryGet(Symbols.Functor(name, arity))?.Clauses.Count ?? 0;

    /// <summary>Room of the clause array of <paramref name="name"/>/<paramref name="arity"/> (used slots and spare ones).</summary>
    internal int ClauseCapacity(string name, int arity) => _db.TryGet(Symbols.Functor(name, arity))?.Clauses.Arr.Length ?? 0;

    /// <summary>Heap collections run and cells reclaimed by the writer.</summary>
    internal (long Runs, long Reclaimed, long Skipped, long InNestedRuns) GcStats => (_writer.GcRuns, _writer.GcReclaimed, _writer.GcSkipped, _writer.GcInNestedRuns);
}

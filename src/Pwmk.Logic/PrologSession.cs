using Pwmk.Logic.Parsing;
using Pwmk.Logic.Solving;
using Pwmk.Logic.Terms;

namespace Pwmk.Logic;

/// <summary>What a <see cref="PrologSession"/> may do.</summary>
public enum SessionMode
{
    /// <summary>Reads the clauses as the last commit before the session opened left them; changes nothing shared.</summary>
    ReadOnly,

    /// <summary>The engine's one writer: changes the database; its changes are published at <see cref="PrologSession.Commit"/>.</summary>
    ReadWrite,
}

/// <summary>
/// A session of a <see cref="PrologEngine"/> (<see cref="PrologEngine.OpenSession"/>): one machine that runs queries one
/// after another, not thread-safe. A read-only session sees one consistent view of the clauses for its whole life and
/// runs beside other sessions; a writer session holds the engine's only writer until it is disposed.
/// </summary>
public sealed class PrologSession : IDisposable
{
    private readonly PrologEngine _engine;
    private Machine? _m;

    internal PrologSession(PrologEngine engine, Machine m)
    {
        _engine = engine;
        _m = m;
    }

    /// <summary>True for a read-only session.</summary>
    public bool IsReadOnly => Machine.ReadOnly;

    private Machine Machine => _m ?? throw new ObjectDisposedException(nameof(PrologSession));

    /// <summary>Runs a query written as text in this session.</summary>
    /// <exception cref="SyntaxErrorException">the text is not a term</exception>
    /// <exception cref="PrologException">the query raised an uncaught error or hit a limit</exception>
    public QueryResult Query(string query, QueryOptions? options = null)
    {
        var (goal, names) = _engine.Parse(query);
        return Query(goal, names, options);
    }

    /// <summary>
    /// Runs a query given as a term in this session; <paramref name="names"/> are the variables to report. In a writer
    /// session a query is all or nothing: when it raises an error (or hits a limit) none of its changes are kept.
    /// </summary>
    public QueryResult Query(Term goal, IReadOnlyList<KeyValuePair<string, Variable>> names, QueryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(goal);
        ArgumentNullException.ThrowIfNull(names);
        return Machine.RunQuery(goal, options ?? QueryOptions.Default, names, atomic: true);
    }

    /// <summary>
    /// Writer: publishes every change made so far (queries that start from now on see all of them, none saw a part).
    /// Read-only: moves the session's view to the last commit.
    /// </summary>
    public void Commit()
    {
        var m = Machine;
        if (m.ReadOnly) m.View = ViewRegistry.Pin(m.Slot!, _engine.Db);
        else _engine.CommitWriter();
    }

    /// <summary>Ends the session: a writer's uncommitted changes are undone and the writer freed; a reader's machine goes back to the pool.</summary>
    public void Dispose()
    {
        var m = Interlocked.Exchange(ref _m, null);
        if (m is null) return;
        if (m.ReadOnly)
        {
            ViewRegistry.Unpin(m.Slot!);
            _engine.Readers.Return(m);
        }
        else _engine.LeaveWriter(commit: false);
    }
}

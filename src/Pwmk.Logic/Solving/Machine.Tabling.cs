namespace Pwmk.Logic.Solving;

/// <summary>Structural equality of record cell arrays (variant check of calls and answers).</summary>
internal sealed class CellsComparer : IEqualityComparer<long[]>, IAlternateEqualityComparer<ReadOnlySpan<long>, long[]>
{
    public static readonly CellsComparer Instance = new();
    public bool Equals(long[]? x, long[]? y) => x is not null && y is not null && x.AsSpan().SequenceEqual(y);
    public int GetHashCode(long[] a) => GetHashCode((ReadOnlySpan<long>)a);
    public bool Equals(ReadOnlySpan<long> x, long[] y) => x.SequenceEqual(y);
    public int GetHashCode(ReadOnlySpan<long> a)
    {
        long h = a.Length;
        foreach (long c in a) h = ArgIndex.Mix(h, c);
        return (int)(h ^ (h >> 32));
    }
    public long[] Create(ReadOnlySpan<long> a) => a.ToArray();
}

/// <summary>
/// The answer table of one call variant of a tabled predicate. An answer is stored as the bindings of the call's
/// variables (in order of first occurrence): one term when the call has one variable, <c>'$ans'(V1..Vn)</c> for
/// several, <c>[]</c> for a ground call; the call's own arguments are in the table's key.
/// </summary>
internal sealed class AnswerTable
{
    public readonly RecordBag Answers = new();
    public bool Complete;
    public int StackIndex = -1;    // position on the evaluation stack while being evaluated
    public int MinDep;             // lowest stack index of an incomplete table it consumed
    public List<AnswerTable>? Members;  // tables of its strongly connected component (leader only)
    public long EvaluatedIn = -1;
    public bool Stale;             // dropped: recomputed on its next call  // leader iteration in which it was last evaluated
}

internal sealed partial class Machine
{
    private Predicate? _tableBypass;
    private readonly List<AnswerTable> _tableStack = new();
    private long _answerCount;   // grows whenever any table gets a new answer
    private long _leaderIteration;  // iterations of the outermost table under evaluation

    /// <summary>Maximum number of answers over all tables of a database.</summary>
    internal long MaxAnswers = 50_000_000;

    /// <summary>
    /// Calls a tabled predicate. A new call variant is evaluated to a fixpoint: its clauses are
    /// run again and again (recursive variant calls read the answers found so far) until an
    /// iteration adds no answer to any table of its component; then its answers are returned.
    /// </summary>
    private bool CallTabled(Predicate p)
    {
        long goal = p.Arity == 0 ? Cell.Atom(Symbols.FunctorAtom(p.Functor)) : MakeStruct(p.Functor, A.AsSpan(0, p.Arity).ToArray());
        _tableVars.Clear();
        var key = ToRecord(goal, null, _tableVars).Cells;
        long bindings = AnswerTemplate();
        var tables = Tables(p);
        if (!tables.TryGetValue(key, out var t) || (t.Stale && t.StackIndex < 0))
        {
            t = new AnswerTable();
            tables[key] = t;
        }
        int count;
        if (t.Complete) count = t.Answers.Count;
        else if (t.StackIndex < 0 && t.EvaluatedIn == _leaderIteration && _tableStack.Count > 0)
        {
            // already evaluated in this iteration of the component: consume its answers so far
            _tableStack[^1].MinDep = 0;
            count = -1;
        }
        else if (t.StackIndex >= 0)
        {
            // a recursive call of a variant under evaluation: consume the answers so far
            var top = _tableStack[^1];
            if (t.StackIndex < top.MinDep) top.MinDep = t.StackIndex;
            count = -1;   // live: answers found later in this iteration are seen too
        }
        else
        {
            int slot = PushRoot(goal);
            PushRoot(bindings);
            try
            {
                Evaluate(p, t, slot);
                bindings = Root(slot + 1);
            }
            finally
            {
                PopRoot();
                PopRoot();
            }
            count = t.Answers.Count;
        }
        A[0] = bindings;
        return NextAnswer(t, 0, count);
    }

    private readonly List<int> _tableVars = new();

    /// <summary>The term an answer of the call binds: its variables (<see cref="_tableVars"/>) as one term.</summary>
    private long AnswerTemplate()
    {
        int n = _tableVars.Count;
        if (n == 0) return Cell.Nil;
        if (n == 1) return Cell.Ref(_tableVars[0]);
        var args = new long[n];
        for (int i = 0; i < n; i++) args[i] = Cell.Ref(_tableVars[i]);
        return MakeStruct(Symbols.QueryFunctor(Symbols.Atom("$ans"), n), args);
    }

    /// <summary>Runs the clauses of the call in root <paramref name="goalSlot"/> to a fixpoint (the heap collector may move the goal).</summary>
    private void Evaluate(Predicate p, AnswerTable t, int goalSlot)
    {
        t.StackIndex = _tableStack.Count;
        t.MinDep = t.StackIndex;
        _tableStack.Add(t);
        try
        {
            while (true)
            {
                long before = _answerCount;
                if (t.StackIndex == 0) _leaderIteration++;
                t.EvaluatedIn = _leaderIteration;
                SolveAll(Root(goalSlot), () =>
                {
                    // duplicates (most derivations) are rejected without allocating
                    var cells = RecordCells(Root(goalSlot + 1), out int nvars);
                    if (t.Answers.AddUnique(cells, nvars))
                    {
                        if (++_answerCount > MaxAnswers) throw PrologError.Resource("table_space");
                        Charge(8L * cells.Length + 16);
                    }
                    return true;
                }, p, liveArgs: p.Arity);
                if (_answerCount == before) break;
            }
        }
        catch
        {
            // an error leaves every table under evaluation unusable: forget them
            foreach (var x in _tableStack) x.StackIndex = -1;
            _tableStack.Clear();
            AbolishAllTables();
            throw;
        }
        _tableStack.RemoveAt(_tableStack.Count - 1);
        t.StackIndex = -1;
        if (t.MinDep >= _tableStack.Count)
        {
            // leader of its component: everything it depends on is final
            t.Complete = true;
            t.Answers.Trim();
            if (t.Members is not null)
                foreach (var m in t.Members)
                {
                    // members not evaluated in the final iteration may be short of answers: forget them
                    if (m.EvaluatedIn == t.EvaluatedIn)
                    {
                        m.Complete = true;
                        m.Answers.Trim();
                    }
                    else m.Stale = true;
                }
            t.Members = null;
        }
        else
        {
            var parent = _tableStack[^1];
            if (t.MinDep < parent.MinDep) parent.MinDep = t.MinDep;
            (parent.Members ??= new()).Add(t);
            if (t.Members is not null)
            {
                parent.Members.AddRange(t.Members);
                t.Members = null;
            }
        }
    }

    private sealed class AnswerCursor : IHeapFreeState
    {
        public required AnswerTable Table;
        public int Next, Count;
    }

    /// <summary>Unifies the call's bindings (in A[0]) with answer <paramref name="from"/>, leaving a choicepoint for the rest.</summary>
    private bool NextAnswer(AnswerTable t, int from, int count)
    {
        if (count < 0) count = int.MaxValue;
        if (from >= Math.Min(count, t.Answers.Count)) return false;
        var cur = new AnswerCursor { Table = t, Next = from, Count = count };
        return s_answerRedo(this, cur);
    }

    private static readonly NondetBuiltin s_answerRedo = AnswerRedo;

    private static bool AnswerRedo(Machine m, object? state)
    {
        var cur = (AnswerCursor)state!;
        var answers = cur.Table.Answers;
        if (cur.Next >= Math.Min(cur.Count, answers.Count)) return false;
        int i = cur.Next++;
        if (cur.Next < Math.Min(cur.Count, answers.Count) || (cur.Count == int.MaxValue && !cur.Table.Complete))
            m.PushRedo(s_answerRedo, cur, 1);
        return m.Unify(m.A[0], m.FromBag(answers, i));
    }

    /// <summary>Forgets every answer table of the running query (abolish_all_tables/0; tables never outlive their query).</summary>
    internal void AbolishAllTables()
    {
        if (_tableStack.Count > 0) throw PrologError.Permission("abolish", "tables", new Terms.Atom("in_progress"));
        _tables.Clear();
    }
}

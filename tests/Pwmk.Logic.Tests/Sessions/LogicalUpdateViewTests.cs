namespace Pwmk.Logic.Tests.Sessions;

/// <summary>
/// Read-only queries run over the clauses as the last commit before they started left them (SWI's logical update view,
/// per query): a commit made while one runs neither appears in it nor breaks it, no query sees half a commit, and the
/// writer never waits for a reader.
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class LogicalUpdateViewTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>A query's output that stops the query at its first write until the test lets it go on.</summary>
    private sealed class Gate : StringWriter
    {
        public readonly ManualResetEventSlim Reached = new(), Resume = new();
        public override void Write(string? value)
        {
            base.Write(value);
            if (!Reached.IsSet)
            {
                Reached.Set();
                if (!Resume.Wait(Deadline)) throw new TimeoutException("the test never let the query go on");
            }
        }
    }

    private static PrologEngine NewEngine(string program)
    {
        var e = new PrologEngine();
        var r = e.Consult(program);
        Assert.True(r.Ok, string.Join("\n", r.Errors));
        return e;
    }

    [Fact]
    public async Task A_commit_during_a_running_enumeration_neither_appears_in_it_nor_breaks_it()
    {
        var e = NewEngine(":- dynamic p/1.\np(1). p(2). p(3).");
        var gate = new Gate();
        var reader = Task.Run(() => e.QueryReadOnly("forall(p(X), (write(X), write(' ')))", new QueryOptions { Output = gate }));
        Assert.True(gate.Reached.Wait(Deadline));
        // the reader is stopped in the middle of its enumeration; the writer does not wait for it
        await Task.Run(() => e.Query("retract(p(2)), retract(p(3)), assertz(p(4))")).WaitAsync(Deadline);   // the writer does not wait for the reader
        Assert.Equal(["1", "4"], e.QueryReadOnly("p(X)").Solutions.Select(s => s["X"].ToString()));
        gate.Resume.Set();
        await reader.WaitAsync(Deadline);
        Assert.Equal("1 2 3 ", gate.ToString());
    }

    [Fact]
    public async Task A_reader_never_sees_half_a_commit()
    {
        var e = NewEngine(":- dynamic a/1, b/1, token/1.\na(0). b(0). token(0).");
        const int commits = 1500;
        using var reading = new CountdownEvent(3); // the writer starts once every reader has read (a loaded machine may start them late)
        var writer = Task.Run(() =>
        {
            Assert.True(reading.Wait(Deadline));
            for (int i = 0; i < commits; i++)
                e.Query("retract(a(N)), retract(b(N)), N1 is N + 1, assertz(a(N1)), assertz(b(N1)), retract(token(_)), assertz(token(N1))");
        });
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
        {
            int checks = 0, changes = 0;
            string last = "";
            while (!writer.IsCompleted || checks == 0)
            {
                var r = e.QueryReadOnly("findall(X, a(X), A), findall(Y, b(Y), B), findall(Z, token(Z), T)");
                var s = r.Solutions[0];
                Assert.Equal(s["A"].ToString(), s["B"].ToString());
                Assert.Equal(s["A"].ToString(), s["T"].ToString());
                Assert.Matches(@"^\[\d+\]$", s["A"].ToString());
                if (s["A"].ToString() != last) changes++;
                last = s["A"].ToString();
                if (checks++ == 0) reading.Signal();
            }
            return changes;
        })).ToArray();
        var changes = await Task.WhenAll(readers).WaitAsync(Deadline);
        await writer;
        Assert.Equal($"[{commits}]", e.QueryReadOnly("findall(X, a(X), L)").Solutions[0]["L"].ToString());
        Assert.True(changes.Sum() > 3, "the readers never ran beside the writer");
    }

    [Fact]
    public void A_read_only_session_keeps_its_view_while_the_writer_drops_dead_clauses()
    {
        var e = NewEngine(":- dynamic f/1.");
        e.Query("forall(between(1, 300, N), assertz(f(N)))");
        e.Query("forall(between(1, 150, N), retract(f(N)))");
        Assert.Equal(150, e.ClauseSlots("f", 1));   // no query holds an older view: the writer dropped the dead clauses
        var session = e.OpenSession(SessionMode.ReadOnly);
        e.Query("forall(between(151, 300, N), retract(f(N)))");
        e.Query("assertz(f(1000))");
        Assert.Equal(151, e.ClauseSlots("f", 1));   // the session's view still reaches the clauses that died after it
        Assert.Equal("150", session.Query("aggregate_all(count, f(_), C)").Solutions[0]["C"].ToString());
        Assert.Equal("75", session.Query("aggregate_all(count, (f(X), X mod 2 =:= 0), C)").Solutions[0]["C"].ToString());
        Assert.Equal("[1000]", e.QueryReadOnly("findall(X, f(X), L)").Solutions[0]["L"].ToString());
        session.Dispose();
        e.Query("assertz(f(1001))");
        Assert.Equal(2, e.ClauseSlots("f", 1));
    }

    [Fact]
    public async Task Readers_run_side_by_side_with_the_right_answers_while_the_writer_commits()
    {
        var e = NewEngine("""
            :- dynamic noise/1.
            nrev([], []).
            nrev([H|T], R) :- nrev(T, RT), append(RT, [H], R).
            work(N, S) :- numlist(1, N, L), nrev(L, R), sum_list(R, S).
            """);
        var writer = Task.Run(() =>
        {
            for (int i = 0; i < 500; i++) e.Query($"assertz(noise({i})), (noise(X), X < {i - 20} -> retract(noise(X)) ; true)");
        });
        var readers = Enumerable.Range(1, 4).Select(t => Task.Run(() =>
        {
            for (int i = 0; i < 200; i++)
            {
                int n = 20 + t * 10 + i % 7;
                var r = e.QueryReadOnly($"work({n}, S)");
                Assert.Equal((n * (n + 1) / 2).ToString(), r.Solutions[0]["S"].ToString());
            }
        })).ToArray();
        await Task.WhenAll([.. readers, writer]).WaitAsync(Deadline);
    }
}

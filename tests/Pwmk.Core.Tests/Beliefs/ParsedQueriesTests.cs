using Pwmk.Core.Beliefs;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.Tests.Beliefs;

/// <summary>A query text read once is reused (<see cref="ParsedQueries"/>): what it answers and raises must not change.</summary>
public class ParsedQueriesTests
{
    private static List<string> Answers(BeliefStore store, string query) =>
        store.Query(query).Solutions.Select(s => s.ToString()).ToList();

    [Fact]
    public void A_text_asked_again_answers_from_the_store_as_it_is_then()
    {
        var store = new BeliefStore();
        const string open = "believes(agent_0, at(key, R))", point = "believes(agent_0, at(key, room_1))";
        Assert.Empty(Answers(store, open));
        Assert.False(store.Holds(point));
        store.AddBelief("agent_0", "at(key, room_1)");
        Assert.Equal(["R = room_1"], Answers(store, open));
        Assert.True(store.Holds(point));
        Assert.Single(store.Query(point).Solutions);
        store.AddBelief("agent_0", "at(key, room_2)");
        Assert.Equal(["R = room_1", "R = room_2"], Answers(store, open));
        store.RemoveBelief("agent_0", "at(key, room_1)");
        store.RemoveBelief("agent_0", "at(key, room_2)");
        Assert.Empty(Answers(store, open));
        Assert.Empty(store.Query(point).Solutions);
    }

    [Fact]
    public void A_text_read_before_an_operator_changed_is_read_again_with_the_new_operator()
    {
        var store = new BeliefStore();
        const string query = "X = (a - b - c), X = -(L, _)";
        Assert.Equal("a-b", store.Query(query).Solutions.Single()["L"].ToString());
        store.Consult(":- op(500, xfy, -).\n", "ops.pl");
        Assert.Equal("a", store.Query(query).Solutions.Single()["L"].ToString());
        store.Clear();
        Assert.Equal("a-b", store.Query(query).Solutions.Single()["L"].ToString());
    }

    [Fact]
    public void A_bad_text_raises_the_same_error_every_time()
    {
        var store = new BeliefStore(new BeliefStoreOptions { MaxTermNodes = 8 });
        for (int i = 0; i < 2; i++)
        {
            var syntax = Assert.Throws<BeliefStoreException>(() => store.Query("believes(X, at(key"));
            Assert.Contains("syntax error", syntax.Message);
            Assert.Equal((1, 19), (syntax.Line, syntax.Column));
            var large = Assert.Throws<BeliefStoreException>(() => store.Query("believes(X, f(a, b, c, d, e, f, g))"));
            Assert.Contains("is too large", large.Message);
        }
    }

    [Fact]
    public void Threads_running_one_text_each_get_their_own_answers()
    {
        var store = new BeliefStore();
        for (int i = 0; i < 8; i++) store.AddBelief($"agent_{i}", $"at(obj_{i}, room_{i})");
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 4, t =>
        {
            for (int n = 0; n < 2_000; n++)
            {
                int i = (n + t) % 8;
                var answers = Answers(store, $"believes(A, at(obj_{i}, R))");
                if (answers is not [var a] || a != $"A = agent_{i}, R = room_{i}") failures.Add(string.Join("; ", answers));
            }
        });
        Assert.Empty(failures);
    }

    [Fact]
    public void The_texts_kept_are_bounded()
    {
        var kept = new ParsedQueries();
        var entry = new ParsedQueries.Entry(Atom.True, []);
        for (int i = 0; i < 3 * ParsedQueries.MaxEntries; i++) kept.Keep($"q{i}", entry);
        Assert.InRange(kept.Count, 1, ParsedQueries.MaxEntries);
        Assert.NotNull(kept.Find($"q{3 * ParsedQueries.MaxEntries - 1}"));
        kept.Keep(new string('x', ParsedQueries.MaxTextLength + 1), entry);
        Assert.Null(kept.Find(new string('x', ParsedQueries.MaxTextLength + 1)));
    }
}

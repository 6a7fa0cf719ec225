using System.Text;
using Pwmk.Logic.Parsing;

namespace Pwmk.Logic.Tests.Fuzz;

/// <summary>Bad program text and queries get clear errors with positions; nothing crashes or hangs.</summary>
public sealed class BadInputTests
{
    private static string Dir => Path.Combine(AppContext.BaseDirectory, "Differential");

    [Theory]
    [InlineData("p(a).\nq(b) :- p(a)", 2, "unexpected end")]
    [InlineData("p(a).\nq(f(a, b) :- true.\n", 2, "")]
    [InlineData("p(a)).\n", 1, "")]
    [InlineData("p(a) foo q(b).\n", 1, "operator expected")]
    [InlineData("p([a, b).\n", 1, "")]
    [InlineData("p('unterminated).\n", 1, "")]
    public void Syntax_errors_name_the_line_and_keep_the_good_clauses(string program, int line, string reason)
    {
        var engine = new PrologEngine();
        var r = engine.Consult("ok(1).\n" + program, "bad.pl");
        var err = Assert.Single(r.Errors);
        Assert.Equal(line + 1, err.Line);
        Assert.True(err.Column >= 1);
        Assert.Contains(reason, err.Message);
        Assert.StartsWith("bad.pl:", err.ToString());
        Assert.True(engine.Prove("ok(1)"));
    }

    [Fact]
    public void Binary_garbage_is_reported_not_crashed_on()
    {
        var rnd = new Random(7);
        var bytes = new byte[20_000];
        rnd.NextBytes(bytes);
        string text = Encoding.Latin1.GetString(bytes);
        var engine = new PrologEngine();
        var r = engine.Consult(text, "garbage.bin");
        Assert.False(r.Ok);
        Assert.All(r.Errors, e => Assert.True(e.Line >= 1 && e.Column >= 1));
        Assert.True(engine.Prove("true"));
    }

    [Fact]
    public void A_50_MB_file_loads_or_fails_cleanly()
    {
        var sb = new StringBuilder(52 * 1024 * 1024);
        int n = 0;
        while (sb.Length < 50 * 1024 * 1024) sb.Append("fact(").Append(n++).Append(", 'some padding text for the fifty megabyte file').\n");
        var engine = new PrologEngine();
        var r = engine.Consult(sb.ToString(), "big.pl");
        Assert.True(r.Ok, string.Join("; ", r.Errors.Take(3)));
        Assert.Equal(n, r.Clauses);
        var q = engine.Query($"fact({n - 1}, X)");
        Assert.Single(q.Solutions);
    }

    [Fact]
    public void Text_over_the_reader_limit_is_refused_with_a_message()
    {
        var ex = Assert.Throws<SyntaxErrorException>(() =>
            new TermReader(new string('a', 100), OperatorTable.Default, new ReaderOptions { MaxTextLength = 10 }));
        Assert.Contains("exceeds the limit", ex.Message);
    }

    [Fact]
    public void Thousands_of_mutated_programs_and_queries_never_crash_or_hang()
    {
        string program = File.ReadAllText(Path.Combine(Dir, "program.pl"));
        var queries = File.ReadAllLines(Path.Combine(Dir, "queries.txt")).Where(l => l.Length > 0 && !l.Contains("|||")).ToArray();
        var rnd = new Random(2026);
        const string alphabet = "()[]{},.;|:-!'\"`%/*\\^+=<>@#$&0123456789aXz_ \n\t\u00e9\u0000";
        string Mutate(string s)
        {
            var b = new StringBuilder(s);
            int edits = 1 + rnd.Next(4);
            for (int i = 0; i < edits && b.Length > 0; i++)
            {
                int at = rnd.Next(b.Length);
                switch (rnd.Next(4))
                {
                    case 0: b.Remove(at, 1); break;
                    case 1: b.Insert(at, alphabet[rnd.Next(alphabet.Length)]); break;
                    case 2: b[at] = alphabet[rnd.Next(alphabet.Length)]; break;
                    default:
                        int len = Math.Min(b.Length - at, 1 + rnd.Next(20));
                        b.Insert(rnd.Next(b.Length), b.ToString(at, len));
                        break;
                }
            }
            return b.ToString();
        }
        var limits = new QueryOptions { Timeout = TimeSpan.FromMilliseconds(200), MaxSolutions = 50, MaxHeapCells = 4 * 1024 * 1024, MaxOutputChars = 100_000 };
        var engine = new PrologEngine();
        engine.Consult(program, "program.pl");
        int errors = 0, solved = 0;
        int cases = int.TryParse(Environment.GetEnvironmentVariable("PWMK_FUZZ_CASES"), out int n) && n > 0 ? n : 2500; // long run: docs/FUZZING.md
        for (int i = 0; i < cases; i++)
        {
            string q = Mutate(queries[rnd.Next(queries.Length)]);
            try
            {
                if (engine.Query(q, limits).Succeeded) solved++;
            }
            catch (SyntaxErrorException) { errors++; }
            catch (PrologException) { errors++; }
            if (i % 50 == 0)
            {
                var fresh = new PrologEngine();
                var r = fresh.Consult(Mutate(program), "mutated.pl");
                Assert.All(r.Errors, e => Assert.True(e.Line >= 1));
                Assert.True(fresh.Prove("true"));
            }
        }
        Assert.True(errors > 100 && solved > 30, $"errors {errors}, solved {solved}");
        Assert.True(engine.Prove("grandparent(tom, ann)"));
    }
}

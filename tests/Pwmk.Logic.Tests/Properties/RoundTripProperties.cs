using System.Diagnostics;
using System.Text;
using Pwmk.Logic.Parsing;
using Pwmk.Logic.Terms;

namespace Pwmk.Logic.Tests.Properties;

/// <summary>
/// write -> parse is the identity on random terms (up to renaming of variables): through the
/// host writer and reader, through the engine's own writeq/term_to_atom, and SWI-Prolog
/// reads our writeq text back as the same term and writes it back the same way.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RoundTripProperties
{
    private const int Cases = 3000;

    private static ReaderOptions NoSugar => new() { GoalSugar = false };

    private static Term Reparse(string text) => TermReader.ParseTerm(text, OperatorTable.CreateDefault(), NoSugar);

    [Fact]
    public void WriteqThenParseIsIdentity()
    {
        var failures = new List<string>();
        for (int seed = 0; seed < Cases && failures.Count < 10; seed++)
        {
            var t = new TermGen(seed).Next();
            string text = t.ToString();
            try
            {
                var back = Reparse(text);
                if (!TermCompare.Variant(t, back)) failures.Add($"seed {seed}: {text}  read back as  {back}");
            }
            catch (SyntaxErrorException e)
            {
                failures.Add($"seed {seed}: {text}  does not read back: {e.Message}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void ParseWriteParseIsIdentityOnWrittenText()
    {
        // writing is a fixpoint: parse(write(t)) writes to the same text
        for (int seed = 0; seed < 500; seed++)
        {
            var t = new TermGen(seed + 100_000).Next();
            string text = t.ToString();
            Assert.Equal(text, Reparse(text).ToString());
        }
    }

    [Fact]
    public void EngineWriteqAndReadAgreeWithHostWriter()
    {
        var engine = new PrologEngine();
        var failures = new List<string>();
        for (int seed = 0; seed < 600 && failures.Count < 10; seed++)
        {
            var t = new TermGen(seed + 200_000).Next(4);
            var s = new Variable("S");
            var back = new Variable("B");
            // writeq inside the engine, then read that text inside the engine
            var goal = new Compound(",",
                new Compound("with_output_to", new Compound("string", s), new Compound("writeq", t)),
                new Compound("term_string", back, s));
            var r = engine.Query(goal, [new("S", s), new("B", back)], new QueryOptions { Timeout = TimeSpan.FromSeconds(5) });
            if (r.Solutions.Count != 1) { failures.Add($"seed {seed}: no solution for {t}"); continue; }
            string written = ((StringTerm)r.Solutions[0]["S"]).Value;
            if (Normalize(written) != Normalize(t.ToString())) failures.Add($"seed {seed}: engine writes {written}, host writes {t}");
            if (!TermCompare.Variant(t, r.Solutions[0]["B"])) failures.Add($"seed {seed}: engine reads {written} as {r.Solutions[0]["B"]}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task SwiPrologReadsOurWriteqAsTheSameTerm()
    {
        // SWI-Prolog is the reference: it reads each of our texts and writes it back with writeq;
        // reading SWI's text back gives the original term.
        var terms = Enumerable.Range(0, 1500).Select(seed => new TermGen(seed + 300_000).Next()).ToList();
        var texts = terms.Select(t => t.ToString()).ToList();
        string tmp = Path.Combine(Path.GetTempPath(), "pwmk-rt-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(tmp);
        try
        {
            string input = Path.Combine(tmp, "terms.txt");
            File.WriteAllText(input, string.Concat(texts.Select(t => t + " .\n")), new UTF8Encoding(false));
            const string script =
                "main :- current_prolog_flag(argv, [F|_]), open(F, read, In, [encoding(utf8)]), set_stream(user_output, encoding(utf8)), loop(In).\n" +
                "loop(In) :- catch(read_term(In, T, []), E, (print_message(error, E), T = '$error')),\n" +
                "  ( T == end_of_file -> true ; ( T == '$error' -> writeln('<<syntax error>>') ; writeq(T), nl ), loop(In) ).\n" +
                ":- initialization(main, main).\n";
            File.WriteAllText(Path.Combine(tmp, "rt.pl"), script);
            var psi = new ProcessStartInfo("swipl", ["-q", Path.Combine(tmp, "rt.pl"), input])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                StandardOutputEncoding = Encoding.UTF8,
            };
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            var lines = (await p.StandardOutput.ReadToEndAsync()).Split('\n');
            await p.WaitForExitAsync(new CancellationTokenSource(60_000).Token);
            var failures = new List<string>();
            for (int i = 0; i < texts.Count && failures.Count < 10; i++)
            {
                string swi = i < lines.Length ? lines[i] : "<<missing>>";
                if (swi == "<<syntax error>>") { failures.Add($"SWI cannot read: {texts[i]}"); continue; }
                Term back;
                try { back = Reparse(swi); }
                catch (SyntaxErrorException e) { failures.Add($"we cannot read SWI's {swi}: {e.Message}"); continue; }
                if (!TermCompare.Variant(terms[i], back)) failures.Add($"ours: {texts[i]}\nswi:  {swi}");
            }
            Assert.True(failures.Count == 0, string.Join("\n", failures) + "\n" + await err);
        }
        finally
        {
            Directory.Delete(tmp, true);
        }
    }

    // SWI names fresh variables _123, we name them after the generator (V0): number both by first occurrence.
    private static string Normalize(string s)
    {
        var seen = new Dictionary<string, int>();
        return System.Text.RegularExpressions.Regex.Replace(s, @"(?<![A-Za-z0-9_'])(_[0-9]+|_G[0-9]+|V[0-9])\b", m =>
        {
            if (!seen.TryGetValue(m.Value, out int n)) seen[m.Value] = n = seen.Count;
            return "_V" + n;
        });
    }
}

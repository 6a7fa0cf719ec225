using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Pwmk.Logic.Parsing;

namespace Pwmk.Logic.Tests.Differential;

/// <summary>
/// Runs every query of queries.txt in SWI-Prolog (the reference) and in PWMK's engine, with the same
/// program and driver, and requires identical printed outcomes (solutions, errors, output).
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class DifferentialTests
{
    private static string Dir => Path.Combine(AppContext.BaseDirectory, "Differential");

    [GeneratedRegex(@"\b_(G)?[0-9]+\b")]
    private static partial Regex VarName();

    private static string Normalize(string line) => VarName().Replace(line.TrimEnd(), "_");

    internal static List<string> Queries() =>
        File.ReadAllLines(Path.Combine(Dir, "queries.txt")).Where(l => l.Trim().Length > 0).ToList();

    private static List<string> RunSwi(List<string> queries)
    {
        string tmp = Path.Combine(Path.GetTempPath(), "pwmk-diff-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(tmp);
        try
        {
            File.WriteAllLines(Path.Combine(tmp, "queries.txt"), queries);
            var script = new StringBuilder();
            script.AppendLine(File.ReadAllText(Path.Combine(Dir, "driver.pl")));
            script.AppendLine(File.ReadAllText(Path.Combine(Dir, "program.pl")));
            script.AppendLine(":- initialization(dt_main, main).");
            script.AppendLine("dt_main :- current_prolog_flag(argv, [Q|_]), read_file_to_string(Q, S, []), split_string(S, \"\\n\", \"\", Ls),");
            script.AppendLine("    forall((member(L, Ls), L \\== \"\"), (atom_string(A, L), dt_run(A))).");
            File.WriteAllText(Path.Combine(tmp, "run.pl"), script.ToString());
            var psi = new ProcessStartInfo("swipl", ["-q", Path.Combine(tmp, "run.pl"), Path.Combine(tmp, "queries.txt")])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var p = Process.Start(psi)!;
            var errTask = p.StandardError.ReadToEndAsync();
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit(120_000);
            _ = errTask.Result;
            return output.Split('\n').Select(Normalize).ToList();
        }
        finally
        {
            Directory.Delete(tmp, true);
        }
    }

    private static List<string> RunPwmk(List<string> queries, int? gcFloor = null) => RunPwmk(queries, gcFloor, out _);

    private static List<string> RunPwmk(List<string> queries, int? gcFloor, out long gcRuns)
    {
        var engine = new PrologEngine();
        if (gcFloor is { } floor) engine.GcFloorCells = floor;
        var r1 = engine.Consult(File.ReadAllText(Path.Combine(Dir, "driver.pl")), "driver.pl");
        Assert.True(r1.Ok, string.Join("\n", r1.Errors));
        var r2 = engine.Consult(File.ReadAllText(Path.Combine(Dir, "program.pl")), "program.pl");
        Assert.True(r2.Ok, string.Join("\n", r2.Errors));
        var sb = new StringBuilder();
        foreach (var q in queries)
        {
            var quoted = TermWriter.QuoteText(q, '\'');
            try
            {
                var res = engine.Query("dt_run(" + quoted + ")", new QueryOptions { Timeout = TimeSpan.FromSeconds(20) });
                sb.Append(res.Output);
            }
            catch (PrologException e)
            {
                sb.Append("HOST EXCEPTION " + e.Message + "\n");
            }
        }
        gcRuns = engine.GcStats.Runs;
        return sb.ToString().Split('\n').Select(Normalize).ToList();
    }

    [Fact]
    public void Every_query_prints_what_swi_prolog_prints()
    {
        var queries = Queries();
        Assert.True(queries.Count >= 300, "the differential suite needs at least 300 queries");
        // "PWMK ||| SWI" lines: the engine runs the left side (goal sugar), swipl its Prolog translation
        var expected = RunSwi(queries.Select(q => q.Contains("|||") ? q[(q.IndexOf("|||") + 3)..].Trim() : q).ToList());
        var actual = RunPwmk(queries.Select(q => q.Contains("|||") ? q[..q.IndexOf("|||")].Trim() : q).ToList());
        var diffs = new List<string>();
        int n = Math.Max(expected.Count, actual.Count);
        for (int i = 0; i < n; i++)
        {
            string e = i < expected.Count ? expected[i] : "<missing>";
            string a = i < actual.Count ? actual[i] : "<missing>";
            if (e != a) diffs.Add($"line {i + 1}: query {(i < queries.Count ? queries[i] : "?")}\n  swipl: {e}\n  pwmk:  {a}");
        }
        Assert.True(diffs.Count == 0, diffs.Count + " differences:\n" + string.Join("\n", diffs.Take(60)));
    }

    [Fact]
    public void A_read_only_session_prints_what_the_writer_prints_unless_the_query_changes_shared_state()
    {
        // each query runs read-only first, then in the writer, on the same database: the answers must be the same,
        // except where the query asks to change something, which a read-only session refuses with a permission error
        var queries = Queries().Select(q => q.Contains("|||") ? q[..q.IndexOf("|||")].Trim() : q).ToList();
        var engine = new PrologEngine();
        Assert.True(engine.Consult(File.ReadAllText(Path.Combine(Dir, "driver.pl")), "driver.pl").Ok);
        Assert.True(engine.Consult(File.ReadAllText(Path.Combine(Dir, "program.pl")), "program.pl").Ok);
        var diffs = new List<string>();
        int refused = 0;
        foreach (var q in queries)
        {
            var goal = "dt_run(" + TermWriter.QuoteText(q, '\'') + ")";
            var options = new QueryOptions { Timeout = TimeSpan.FromSeconds(20) };
            string reader = Outcome(() => engine.QueryReadOnly(goal, options));
            string writer = Outcome(() => engine.Query(goal, options));
            if (reader == writer) continue;
            if (reader.Contains("permission_error(modify,", StringComparison.Ordinal)) { refused++; continue; }
            diffs.Add($"query {q}\n  read-only: {reader}\n  writer:    {writer}");
        }
        Assert.True(diffs.Count == 0, diffs.Count + " differences:\n" + string.Join("\n", diffs.Take(40)));
        Assert.True(refused >= 10, $"only {refused} queries of the suite change the database: the comparison lost its mutating cases");
    }

    private static string Outcome(Func<QueryResult> run)
    {
        try { return Normalize(run().Output); }
        catch (PrologException e) { return "HOST EXCEPTION " + e.Message; }
    }

    [Fact]
    public void Every_query_prints_the_same_when_the_heap_collector_runs_at_almost_every_call()
    {
        var queries = Queries().Select(q => q.Contains("|||") ? q[..q.IndexOf("|||")].Trim() : q).ToList();
        var normal = RunPwmk(queries);
        var collected = RunPwmk(queries, gcFloor: 64, out long runs);
        Assert.True(runs > 1000, $"the collector ran only {runs} times");
        var diffs = new List<string>();
        for (int i = 0; i < Math.Max(normal.Count, collected.Count); i++)
        {
            string a = i < normal.Count ? normal[i] : "<missing>";
            string b = i < collected.Count ? collected[i] : "<missing>";
            if (a != b) diffs.Add($"line {i + 1}: query {(i < queries.Count ? queries[i] : "?")}\n  without collection: {a}\n  collecting:         {b}");
        }
        Assert.True(diffs.Count == 0, diffs.Count + " differences:\n" + string.Join("\n", diffs.Take(40)));
    }
}

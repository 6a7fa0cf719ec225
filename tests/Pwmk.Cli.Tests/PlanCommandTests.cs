using System.CommandLine;
using System.Text.Json;

namespace Pwmk.Cli.Tests;

[Trait("Category", "Integration")]
public sealed class PlanCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pwmk-plan-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Tell = """
        fluent p;
        action tell, sense;
        agent a, b;
        executable sense if (-B(a, p)), (-B(a, (-p)));
        sense determines p;
        a observes sense;
        executable tell if B(a, p);
        tell announces p;
        a observes tell;
        b observes tell;
        initially p;
        goal B(b, p);
        """;

    private (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = Program.BuildRoot().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void SolvedProblemPrintsThePlanAsJson()
    {
        var (code, output, _) = Run("plan", "--mastar", Write("tell.txt", Tell), "--format", "json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("solved").GetBoolean());
        Assert.Equal(["sense", "tell"], root.GetProperty("plan").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(2, root.GetProperty("length").GetInt32());
        Assert.True(root.GetProperty("expanded").GetInt64() >= 1);
        Assert.True(root.GetProperty("generated").GetInt64() >= 2);
        Assert.True(root.GetProperty("seconds").GetDouble() >= 0);
    }

    [Fact]
    public void UnsolvableProblemExitsOneWithTheReason()
    {
        var text = Tell.Replace("goal B(b, p);", "goal B(b, (-p));", StringComparison.Ordinal);
        var (code, output, error) = Run("plan", "--mastar", Write("never.txt", text), "--format", "json");
        Assert.Equal(1, code);
        using var doc = JsonDocument.Parse(output);
        Assert.False(doc.RootElement.GetProperty("solved").GetBoolean());
        Assert.Equal("search space exhausted", doc.RootElement.GetProperty("reason").GetString());
        Assert.Equal("proved_unsolvable", doc.RootElement.GetProperty("status").GetString());
        Assert.Contains("no plan (proved unsolvable", error, StringComparison.Ordinal);
    }

    [Fact]
    public void HeuristicSearchAndThreadsAreReportedAndKeepThePlan()
    {
        var (code, output, _) = Run("plan", "--mastar", Write("tell.txt", Tell), "--search", "astar", "--heuristic", "hmax", "--threads", "2", "--format", "json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(["sense", "tell"], doc.RootElement.GetProperty("plan").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal("astar", doc.RootElement.GetProperty("search").GetString());
        Assert.Equal("hmax", doc.RootElement.GetProperty("heuristic").GetString());
        Assert.Equal("solved", doc.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public void UnstatedFluentsAreNotedInTextAndJson()
    {
        var text = Tell.Replace("fluent p;", "fluent p, q;", StringComparison.Ordinal);
        var path = Write("unstated.txt", text);
        var (code, output, _) = Run("plan", "--mastar", path);
        Assert.Equal(0, code);
        Assert.StartsWith("note: the initial actual world leaves 1 fluent unstated: taken as -q", output, StringComparison.Ordinal);
        var (_, json, _) = Run("plan", "--mastar", path, "--format", "json");
        using var doc = JsonDocument.Parse(json);
        Assert.Contains("-q", Assert.Single(doc.RootElement.GetProperty("notes").EnumerateArray()).GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheMemoryBoundEndsWithItsOwnStatus()
    {
        // One common-knowledge formula links 20 fluents: a single part of 2^20 - 1 worlds, far beyond 1 MiB.
        var fluents = string.Join(", ", Enumerable.Range(1, 20).Select(i => $"f{i}"));
        var text = $"fluent {fluents};\naction act;\nagent a, b;\ninitially f1;\ninitially C([a,b], {fluents.Replace(",", " |", StringComparison.Ordinal)});\ngoal B(a, f1);\n";
        var (code, output, error) = Run("plan", "--mastar", Write("big.txt", text), "--max-memory", "1M", "--format", "json");
        Assert.Equal(1, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("out_of_memory_bound", doc.RootElement.GetProperty("status").GetString());
        Assert.Equal("out of memory bound", doc.RootElement.GetProperty("reason").GetString());
        Assert.Contains("no plan (out of memory bound)", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--heuristic", "hmax")]
    [InlineData("--threads", "0")]
    [InlineData("--max-memory", "lots")]
    [InlineData("--max-memory", "10K")]
    public void BadSearchOptionsExitTwoNamingTheOption(string option, string value)
    {
        var (code, output, error) = Run("plan", "--mastar", Write("tell.txt", Tell), option, value);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains(option, error, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedFileExitsTwoNamingLineAndColumn()
    {
        var text = Tell.Replace("tell announces p;", "tell announces r;", StringComparison.Ordinal);
        var (code, output, error) = Run("plan", "--mastar", Write("bad.txt", text));
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("bad.txt:8:16: undeclared fluent 'r'", error, StringComparison.Ordinal);
        Assert.Equal(2, Run("plan", "--mastar", Path.Combine(_dir, "missing.txt")).Code);
    }

    [Fact]
    public void The_command_line_process_plans_and_exits_with_the_documented_codes()
    {
        // a child process: under ./test.sh the NativeAOT build that ./pwmk runs for `plan`
        var ok = CliRunner.Run("plan", "--mastar", Write("tell.txt", Tell), "--format", "json");
        Assert.Equal(0, ok.ExitCode);
        using var doc = JsonDocument.Parse(ok.Stdout);
        Assert.Equal(["sense", "tell"], doc.RootElement.GetProperty("plan").EnumerateArray().Select(a => a.GetString()));
        var bad = CliRunner.Run("plan", "--mastar", Write("bad.txt", Tell.Replace("tell announces p;", "tell announces r;", StringComparison.Ordinal)));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("bad.txt:8:16: undeclared fluent 'r'", bad.Stderr, StringComparison.Ordinal);
    }
}

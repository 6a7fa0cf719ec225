using System.Text.Json;

namespace Pwmk.Cli.Tests;

[Trait("Category", "Integration")]
public sealed class QueryCommandTests
{
    private const string Program = """
        believes(agent_0, at(key, room_1)).
        believes(agent_1, believes(agent_0, at(key, room_2))).
        has(agent_0, key).
        at(agent_0, room_1).
        connects(room_1, door_a).
        can_unlock(A, D) :- has(A, key), at(A, R), connects(R, D).
        """;

    [Fact]
    public void Prints_every_solution_like_the_swi_toplevel()
    {
        var file = CliRunner.TempFile(Program);
        var r = CliRunner.Run("query", "--program", file, "--goal", "believes(A, P)");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(
            "A = agent_0, P = at(key,room_1).\nA = agent_1, P = believes(agent_0,at(key,room_2)).\n",
            r.Stdout.Replace("\r", ""));
    }

    [Fact]
    public void Rules_and_goal_sugar_answer_with_bindings_in_json()
    {
        var file = CliRunner.TempFile(Program);
        var r = CliRunner.Run("query", "--program", file, "--goal", "can_unlock(X, D) AND NOT believes(X, at(key, room_2))", "--format", "json");
        Assert.Equal(0, r.ExitCode);
        var doc = JsonDocument.Parse(r.Stdout);
        var sol = Assert.Single(doc.RootElement.EnumerateArray());
        Assert.Equal("agent_0", sol.GetProperty("X").GetString());
        Assert.Equal("door_a", sol.GetProperty("D").GetString());
    }

    [Fact]
    public void No_solution_exits_1_and_prints_false()
    {
        var r = CliRunner.Run("query", "--goal", "member(x, [a, b])");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("false.\n", r.Stdout.Replace("\r", ""));
        var t = CliRunner.Run("query", "--goal", "X = 1, X > 0 ; fail");
        Assert.Equal(0, t.ExitCode);
        Assert.Equal("X = 1.\n", t.Stdout.Replace("\r", ""));
    }

    [Fact]
    public void Syntax_error_in_a_program_names_file_line_and_column_and_exits_2()
    {
        var file = CliRunner.TempFile("ok(1).\nbad(2 :- .\n");
        var r = CliRunner.Run("query", "--program", file, "--goal", "ok(X)");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(file + ":2:", r.Stderr);
        Assert.Contains("syntax error", r.Stderr);
    }

    [Fact]
    public void A_directive_that_raises_is_a_warning_with_file_and_line_and_the_query_runs()
    {
        var file = CliRunner.TempFile(":- foo_undefined(1).\np(1).\n:- mode(p(-)).\n:- write(loaded), nl.\n");
        var r = CliRunner.Run("query", "--program", file, "--goal", "p(X)");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("loaded\nX = 1.\n", r.Stdout.Replace("\r", ""));
        Assert.Contains(file + ":1:", r.Stderr);
        Assert.Contains("warning", r.Stderr);
        Assert.Contains("foo_undefined/1", r.Stderr);
    }

    [Fact]
    public void A_bad_clause_is_reported_the_query_runs_on_the_rest_and_the_exit_status_is_2()
    {
        var file = CliRunner.TempFile("p(1).\np(2) :- .\np(3).\n");
        var r = CliRunner.Run("query", "--program", file, "--goal", "p(X)");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("X = 1.\nX = 3.\n", r.Stdout.Replace("\r", ""));
        Assert.Contains(file + ":2:", r.Stderr);
    }

    [Fact]
    public void Output_written_before_an_error_is_kept()
    {
        var r = CliRunner.Run("query", "--goal", "write(before), nl, X is foo + 1");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("before\n", r.Stdout.Replace("\r", ""));
        Assert.Contains("type_error(evaluable,foo/0)", r.Stderr);
    }

    [Fact]
    public void Uncaught_errors_and_timeouts_exit_2_with_the_error_term()
    {
        var r = CliRunner.Run("query", "--goal", "foo(1)");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("existence_error(procedure,foo/1)", r.Stderr);
        var loop = CliRunner.Run("query", "--goal", "repeat, fail", "--timeout-ms", "300");
        Assert.Equal(2, loop.ExitCode);
        Assert.Contains("time_limit_exceeded", loop.Stderr);
    }

    [Fact]
    public void Unknown_option_is_bad_input()
    {
        var r = CliRunner.Run("query", "--goal", "true", "--bogus");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--bogus", r.Stderr);
    }
}

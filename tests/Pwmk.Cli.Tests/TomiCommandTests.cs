using System.Text.Json;
using Pwmk.Cli.Commands;

namespace Pwmk.Cli.Tests;

[Trait("Category", "Integration")]
public class TomiCommandTests
{
    private static string Temp(string text)
    {
        var p = Path.GetTempFileName();
        File.WriteAllText(p, text);
        return p;
    }

    [Fact]
    public void Eval_prints_json_scores_and_disagreements()
    {
        var stories = Temp("1 Ella entered the garage.\n2 Avery entered the garage.\n3 The spinach is in the green_crate.\n4 Ella exited the garage.\n5 Avery moved the spinach to the blue_box.\n6 Where will Ella look for the spinach?\tgreen_crate\t1\n"
            + "1 Ella entered the garage.\n2 The spinach is in the green_crate.\n3 Where is the spinach really?\tblue_box\t1\n");
        var trace = Temp("a,first_order_0_tom,false_belief\na,reality,true_belief\n");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = TomiCommand.Eval(stories, trace, "json", 2, 20, stdout, stderr);
        Assert.Equal(Program.Ok, code);
        using var doc = JsonDocument.Parse(stdout.ToString());
        var root = doc.RootElement;
        Assert.Equal(2, root.GetProperty("total").GetInt32());
        Assert.Equal(1, root.GetProperty("correct").GetInt32());
        Assert.Equal(1, root.GetProperty("by_type").GetProperty("first_order_0_tom").GetProperty("correct").GetInt32());
        var d = root.GetProperty("disagreements")[0];
        Assert.Equal(2, d.GetProperty("story").GetInt32());
        Assert.Equal("blue_box", d.GetProperty("label").GetString());
        Assert.Equal("green_crate", d.GetProperty("answer").GetString());
    }

    [Fact]
    public void Bad_input_exits_2_naming_the_line_and_empty_input_exits_1()
    {
        var bad = Temp("1 Ella entered the garage.\n2 Ella flew to the moon.\n");
        var stderr = new StringWriter();
        Assert.Equal(Program.BadInput, TomiCommand.Eval(bad, null, "text", 2, 20, new StringWriter(), stderr));
        Assert.Contains(":2:", stderr.ToString());
        Assert.Contains("unknown sentence form", stderr.ToString());
        Assert.Equal(Program.BadInput, TomiCommand.Eval("/nonexistent/stories.txt", null, "text", 2, 20, new StringWriter(), new StringWriter()));
        Assert.Equal(Program.BadInput, TomiCommand.Eval(bad, null, "yaml", 2, 20, new StringWriter(), new StringWriter()));
        Assert.Equal(Program.NoResult, TomiCommand.Eval(Temp(""), null, "text", 2, 20, new StringWriter(), new StringWriter()));
    }

    [Fact]
    public void Generated_stories_evaluate_perfectly()
    {
        var stories = Path.GetTempFileName();
        var trace = Path.GetTempFileName();
        Assert.Equal(Program.Ok, TomiCommand.Generate(120, 9, stories, trace, new StringWriter(), new StringWriter()));
        var stdout = new StringWriter();
        Assert.Equal(Program.Ok, TomiCommand.Eval(stories, trace, "json", 2, 20, stdout, new StringWriter()));
        using var doc = JsonDocument.Parse(stdout.ToString());
        Assert.Equal(120, doc.RootElement.GetProperty("correct").GetInt32());
    }

    [Fact]
    public void The_command_line_process_generates_and_scores_stories()
    {
        // child processes: under ./test.sh the NativeAOT build that ./pwmk runs for `tomi`
        var stories = Path.GetTempFileName();
        var trace = Path.GetTempFileName();
        Assert.Equal(0, CliRunner.Run("tomi", "generate", "--count", "40", "--seed", "4", "-o", stories, "--trace", trace).ExitCode);
        var r = CliRunner.Run("tomi", "eval", stories, "--trace", trace, "--format", "json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Equal(40, doc.RootElement.GetProperty("total").GetInt32());
        Assert.Equal(40, doc.RootElement.GetProperty("correct").GetInt32());
        var bad = CliRunner.Run("tomi", "eval", Temp("1 Ella entered the garage.\n2 Ella flew to the moon.\n"));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains(":2:3: unknown sentence form", bad.Stderr, StringComparison.Ordinal);
    }
}

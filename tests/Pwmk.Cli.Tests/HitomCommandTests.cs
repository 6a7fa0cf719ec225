using System.Text.Json;
using Pwmk.Cli.Commands;

namespace Pwmk.Cli.Tests;

[Trait("Category", "Integration")]
public class HitomCommandTests
{
    private static readonly string[] s_story =
    [
        "Anne, Bob and Cat entered the hall.",
        "The key is in the red_box.",
        "Anne exited the hall.",
        "Bob moved the key to the blue_box.",
        "Bob exited the hall.",
        "Cat exited the hall.",
        "Anne, Bob and Cat entered the waiting_room.",
        "Bob publicly claimed that key is in the green_box.",
    ];

    private static string File(string question, string answer, string[]? story = null)
    {
        var lines = story ?? s_story;
        return "Read the following story and answer the question.\nStory:\n"
            + string.Concat(lines.Select((s, i) => $"{i + 1} {s}\n"))
            + $"Question: {question}\nAnswer: {answer}\nChoices: A. red_box, B. blue_box, C. green_box\n\nNote: rules in prose.\n";
    }

    /// <summary>One story in the data set's layout: orders 0-2 in MC and CoT, with the given labels.</summary>
    private static string Layout(string[] mc, string[] cot)
    {
        string root = Path.Combine(Path.GetTempPath(), "pwmk-hitom-" + Guid.NewGuid().ToString("N"));
        string[] questions =
        [
            "Where is the key really?",
            "Where does Anne really think the key is?",
            "Where does Cat think Anne thinks the key is?",
        ];
        foreach (var (style, labels) in new[] { ("MC", mc), ("CoT", cot) })
        {
            string dir = Path.Combine(root, "Tell", style, "length_1", "sample_1");
            Directory.CreateDirectory(dir);
            for (int k = 0; k < questions.Length; k++) System.IO.File.WriteAllText(Path.Combine(dir, $"order_{k}.txt"), File(questions[k], labels[k]));
        }
        return root;
    }

    [Fact]
    public void Eval_prints_json_scores_by_split_length_order_and_joint_with_each_disagreement_and_its_rule()
    {
        // the faithful answers: blue_box (order 0), green_box (Anne trusts Bob), green_box (Cat knows Anne trusts Bob)
        string root = Layout(mc: ["blue_box", "green_box", "red_box"], cot: ["blue_box", "red_box", "green_box"]);
        var stdout = new StringWriter();
        Assert.Equal(Program.Ok, HitomCommand.Eval([root], "mc", "faithful", "json", 20, stdout, new StringWriter()));
        using var doc = JsonDocument.Parse(stdout.ToString());
        var r = doc.RootElement;
        Assert.Equal(3, r.GetProperty("total").GetInt32());
        Assert.Equal(2, r.GetProperty("correct").GetInt32());
        Assert.Equal(2, r.GetProperty("by_split").GetProperty("Tell").GetProperty("correct").GetInt32());
        Assert.Equal(3, r.GetProperty("by_length").GetProperty("1").GetProperty("total").GetInt32());
        Assert.Equal(0, r.GetProperty("by_order").GetProperty("2").GetProperty("correct").GetInt32());
        Assert.Equal(0, r.GetProperty("joint").GetProperty("2").GetProperty("correct").GetInt32());
        Assert.Equal(1, r.GetProperty("joint").GetProperty("1").GetProperty("correct").GetInt32());
        Assert.Equal(1, r.GetProperty("by_type").GetProperty("Tell/order_1").GetProperty("correct").GetInt32());
        var d = Assert.Single(r.GetProperty("disagreements").EnumerateArray());
        Assert.EndsWith("order_2.txt", d.GetProperty("file").GetString());
        Assert.Equal("red_box", d.GetProperty("label").GetString());
        Assert.Equal("green_box", d.GetProperty("answer").GetString());
        Assert.Equal("R4", d.GetProperty("rule").GetString());
        Assert.Equal(10, d.GetProperty("rule_line").GetInt32());

        // the belief store's Prolog rules give the same report
        var viaStore = new StringWriter();
        Assert.Equal(Program.Ok, HitomCommand.Eval([root], "mc", "faithful", "json", 20, viaStore, new StringWriter(), store: "prolog"));
        using var storeDoc = JsonDocument.Parse(viaStore.ToString());
        Assert.Equal("prolog", storeDoc.RootElement.GetProperty("store").GetString());
        Assert.Equal(r.GetProperty("disagreements").GetRawText(), storeDoc.RootElement.GetProperty("disagreements").GetRawText());
        Assert.Equal(r.GetProperty("joint").GetRawText(), storeDoc.RootElement.GetProperty("joint").GetRawText());

        // --labels cot reads the CoT folder; the generator rules (Q3) leave Cat's view of Anne at the red_box
        stdout = new StringWriter();
        Assert.Equal(Program.Ok, HitomCommand.Eval([root], "cot", "faithful", "json", 20, stdout, new StringWriter()));
        Assert.Equal(2, JsonDocument.Parse(stdout.ToString()).RootElement.GetProperty("correct").GetInt32());
        stdout = new StringWriter();
        Assert.Equal(Program.Ok, HitomCommand.Eval([root], "all", "faithful", "json", 20, stdout, new StringWriter()));
        Assert.Equal(6, JsonDocument.Parse(stdout.ToString()).RootElement.GetProperty("total").GetInt32());
        stdout = new StringWriter();
        Assert.Equal(Program.Ok, HitomCommand.Eval([root], "mc", "generator", "json", 20, stdout, new StringWriter()));
        Assert.Equal(3, JsonDocument.Parse(stdout.ToString()).RootElement.GetProperty("correct").GetInt32());
    }

    [Fact]
    public void Text_output_names_each_disagreement_with_file_line_and_deciding_rule()
    {
        string root = Layout(mc: ["blue_box", "green_box", "red_box"], cot: ["blue_box", "green_box", "green_box"]);
        var stdout = new StringWriter();
        Assert.Equal(Program.Ok, HitomCommand.Eval([root], "mc", "faithful", "text", 20, stdout, new StringWriter()));
        string text = stdout.ToString();
        Assert.Contains("order 2", text);
        Assert.Contains("order_2.txt:11, order 2: Where does Cat think Anne thinks the key is? -> red_box / green_box, R4 at line 10", text);
    }

    [Fact]
    public void Bad_input_exits_2_naming_file_and_line_and_no_files_exit_1()
    {
        string bad = CliRunner.TempFile(File("Where is the key really?", "blue_box", ["Anne entered the hall.", "Anne flew away."]), ".txt");
        var stderr = new StringWriter();
        Assert.Equal(Program.BadInput, HitomCommand.Eval([bad], "mc", "faithful", "text", 20, new StringWriter(), stderr));
        Assert.Contains(bad + ":4:", stderr.ToString());
        Assert.Contains("unknown sentence form", stderr.ToString());
        Assert.Equal(Program.BadInput, HitomCommand.Eval(["/nonexistent/hitom"], "mc", "faithful", "text", 20, new StringWriter(), new StringWriter()));
        Assert.Equal(Program.BadInput, HitomCommand.Eval([bad], "mc", "faithful", "yaml", 20, new StringWriter(), new StringWriter()));
        Assert.Equal(Program.BadInput, HitomCommand.Eval([bad], "xx", "faithful", "text", 20, new StringWriter(), new StringWriter()));
        stderr = new StringWriter();
        Assert.Equal(Program.BadInput, HitomCommand.Eval([bad], "mc", "lenient", "text", 20, new StringWriter(), stderr));
        Assert.Contains("--rules", stderr.ToString());
        Assert.Equal(Program.BadInput, HitomCommand.Eval([bad], "mc", "faithful", "text", 20, new StringWriter(), new StringWriter(), store: "sql"));
        string empty = Path.Combine(Path.GetTempPath(), "pwmk-hitom-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(empty);
        Assert.Equal(Program.NoResult, HitomCommand.Eval([empty], "mc", "faithful", "text", 20, new StringWriter(), new StringWriter()));
    }

    [Fact]
    public void The_command_line_process_answers_from_the_tracker_and_from_the_belief_store()
    {
        string f = CliRunner.TempFile(File("Where does Anne really think the key is?", "green_box"), ".txt");
        var r = CliRunner.Run("hitom", "eval", f, "--format", "json");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(1, JsonDocument.Parse(r.Stdout).RootElement.GetProperty("correct").GetInt32());
        r = CliRunner.Run("hitom", "eval", f, "--store", "prolog", "--rules", "generator", "--format", "json");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(1, JsonDocument.Parse(r.Stdout).RootElement.GetProperty("correct").GetInt32());
        Assert.Equal(2, CliRunner.Run("hitom", "eval").ExitCode);
    }
}

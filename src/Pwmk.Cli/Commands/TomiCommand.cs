using System.CommandLine;
using System.Text;
using System.Text.Json;
using Pwmk.Core.ToMi;

namespace Pwmk.Cli.Commands;

/// <summary><c>pwmk tomi eval</c> and <c>pwmk tomi generate</c>.</summary>
internal static class TomiCommand
{
    public static Command Create()
    {
        var cmd = new Command("tomi", "ToMi theory-of-mind stories: evaluate the perspective tracker, generate RoomsWorld stories");
        cmd.Subcommands.Add(CreateEval());
        cmd.Subcommands.Add(CreateGenerate());
        return cmd;
    }

    private static Option<string> FormatOption() => new("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };

    private static Command CreateEval()
    {
        var stories = new Argument<string>("stories") { Description = "ToMi story file (numbered sentences, question<TAB>answer<TAB>1)" };
        var trace = new Option<string?>("--trace") { Description = "ToMi .trace file naming each question's type" };
        var format = FormatOption();
        var depth = new Option<int>("--depth") { Description = "belief nesting depth k (1..10)", DefaultValueFactory = _ => 2 };
        var maxShown = new Option<int>("--show") { Description = "disagreements listed in text output", DefaultValueFactory = _ => 20 };
        var store = new Option<string>("--store") { Description = "answer belief questions from the tracker's store (tracker) or by Prolog queries on the belief store (prolog)", DefaultValueFactory = _ => "tracker" };
        var cmd = new Command("eval", "Replay every story in a RoomsWorld through the perspective tracker and score the answers") { stories, trace, format, depth, maxShown, store };
        cmd.SetAction(pr => Eval(pr.GetValue(stories)!, pr.GetValue(trace), pr.GetValue(format)!, pr.GetValue(depth), pr.GetValue(maxShown), store: pr.GetValue(store)!));
        return cmd;
    }

    internal static int Eval(string storiesPath, string? tracePath, string format, int depth, int maxShown, TextWriter? stdout = null, TextWriter? stderr = null, string store = "tracker")
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        if (format is not ("text" or "json")) { stderr.WriteLine($"pwmk tomi eval: unknown --format '{format}' (text or json)"); return Program.BadInput; }
        if (depth < 1 || depth > 10) { stderr.WriteLine($"pwmk tomi eval: --depth must be between 1 and 10, got {depth}"); return Program.BadInput; }
        if (store is not ("tracker" or "prolog")) { stderr.WriteLine($"pwmk tomi eval: unknown --store '{store}' (tracker or prolog)"); return Program.BadInput; }
        try
        {
            var types = tracePath is null ? null : TomiTrace.ReadQuestionTypesFile(tracePath);
            Func<Pwmk.Core.Beliefs.IBeliefStore>? factory = store == "prolog" ? () => new Pwmk.Core.Beliefs.BeliefStore() : null;
            var progress = ProgressLine.For(stderr, format == "json");
            using var reader = new StreamReader(storiesPath);
            // one story at a time: the split is never held in memory whole (a quarter of the time and memory)
            var report = progress.Run($"answering the questions of {storiesPath}", () => TomiEvaluation.Evaluate(TomiReader.Stream(reader, storiesPath), types, depth, storiesPath, false, factory));
            if (format == "json") stdout.WriteLine(ToJson(report));
            else WriteText(stdout, report, maxShown);
            return report.Total == 0 ? Program.NoResult : Program.Ok;
        }
        catch (Exception ex) when (ex is TomiFormatException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine("pwmk tomi eval: " + ex.Message);
            return Program.BadInput;
        }
    }

    private static void WriteText(TextWriter w, TomiReport r, int maxShown)
    {
        w.WriteLine($"{"type",-24} {"correct",8} {"total",6} {"accuracy",9}");
        foreach (var (type, s) in r.ByType) w.WriteLine($"{type,-24} {s.Correct,8} {s.Total,6} {Pct(s.Correct, s.Total),9}");
        w.WriteLine($"{"all",-24} {r.Correct,8} {r.Total,6} {Pct(r.Correct, r.Total),9}");
        if (r.Disagreements.Count == 0) return;
        w.WriteLine();
        w.WriteLine($"disagreements: {r.Disagreements.Count} (story, line, type: question -> label / ours)");
        foreach (var d in r.Disagreements.Take(Math.Max(0, maxShown)))
            w.WriteLine($"  story {d.Story}, line {d.Line}, {d.Type}: {d.Question} -> {d.Label} / {d.Answer ?? "(no belief)"}");
        if (r.Disagreements.Count > maxShown) w.WriteLine($"  ... {r.Disagreements.Count - maxShown} more (--show N or --format json)");
    }

    private static string Pct(int c, int t) => t == 0 ? "-" : (100.0 * c / t).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) + "%";

    internal static string ToJson(TomiReport r)
    {
        var ms = new MemoryStream();
        using (var j = new Utf8JsonWriter(ms))
        {
            j.WriteStartObject();
            j.WriteNumber("total", r.Total);
            j.WriteNumber("correct", r.Correct);
            j.WriteStartObject("by_type");
            foreach (var (type, s) in r.ByType)
            {
                j.WriteStartObject(type);
                j.WriteNumber("total", s.Total);
                j.WriteNumber("correct", s.Correct);
                j.WriteEndObject();
            }
            j.WriteEndObject();
            j.WriteStartArray("disagreements");
            foreach (var d in r.Disagreements)
            {
                j.WriteStartObject();
                j.WriteNumber("story", d.Story);
                j.WriteNumber("line", d.Line);
                j.WriteString("type", d.Type);
                j.WriteString("question", d.Question);
                j.WriteString("label", d.Label);
                if (d.Answer is null) j.WriteNull("answer"); else j.WriteString("answer", d.Answer);
                j.WriteEndObject();
            }
            j.WriteEndArray();
            j.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static Command CreateGenerate()
    {
        var count = new Option<int>("--count") { Description = "number of stories", DefaultValueFactory = _ => 100 };
        var seed = new Option<int>("--seed") { Description = "random seed", DefaultValueFactory = _ => 1 };
        var output = new Option<string?>("--output", "-o") { Description = "story file to write (default stdout)" };
        var traceOut = new Option<string?>("--trace") { Description = "also write a .trace file with each question's type" };
        var cmd = new Command("generate", "Generate ToMi-style stories as RoomsWorld episodes, labelled from the environment's belief ground truth") { count, seed, output, traceOut };
        cmd.SetAction(pr => Generate(pr.GetValue(count), pr.GetValue(seed), pr.GetValue(output), pr.GetValue(traceOut)));
        return cmd;
    }

    internal static int Generate(int count, int seed, string? output, string? traceOut, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        if (count < 1 || count > 1_000_000) { stderr.WriteLine($"pwmk tomi generate: --count must be between 1 and 1000000, got {count}"); return Program.BadInput; }
        try
        {
            var stories = TomiGenerator.Generate(count, seed);
            if (output is null) TomiWriter.Write(stdout, stories.Select(s => s.Story));
            else using (var w = new StreamWriter(output)) TomiWriter.Write(w, stories.Select(s => s.Story));
            if (traceOut is not null)
                using (var w = new StreamWriter(traceOut))
                    foreach (var s in stories) w.Write(s.Trace + "\n");
            return Program.Ok;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine("pwmk tomi generate: " + ex.Message);
            return Program.BadInput;
        }
    }
}

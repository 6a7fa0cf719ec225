using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Pwmk.Core.HiToM;

namespace Pwmk.Cli.Commands;

/// <summary><c>pwmk hitom eval</c>: answers Hi-ToM questions (orders 0-4, tells and public claims) with the perspective model.</summary>
internal static class HitomCommand
{
    public static Command Create()
    {
        var cmd = new Command("hitom", "Hi-ToM higher-order theory-of-mind stories with communication: evaluate the perspective model");
        cmd.Subcommands.Add(CreateEval());
        return cmd;
    }

    private static Command CreateEval()
    {
        var paths = new Argument<string[]>("paths") { Description = "question files or folders in the data set's layout ({Tell,No_Tell}/{MC,CoT}/length_L/sample_N/order_K.txt)", Arity = ArgumentArity.OneOrMore };
        var labels = new Option<string>("--labels") { Description = "which labels to score against: mc (the MC folders), cot (the CoT folders) or all (both, each file against its own)", DefaultValueFactory = _ => "mc" };
        var rules = new Option<string>("--rules") { Description = "faithful (R1-R4 as stated) or generator (with the generator's quirks Q1-Q3)", DefaultValueFactory = _ => "faithful" };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        var maxShown = new Option<int>("--show") { Description = "disagreements listed in text output", DefaultValueFactory = _ => 20 };
        var store = new Option<string>("--store") { Description = "answer from the perspective tracker (tracker) or by Prolog queries on the belief store, the rules being Prolog rules there (prolog)", DefaultValueFactory = _ => "tracker" };
        var cmd = new Command("eval", "Replay every story through the perspective model and score its answers against the labels") { paths, labels, rules, format, maxShown, store };
        cmd.SetAction(pr => Eval(pr.GetValue(paths)!, pr.GetValue(labels)!, pr.GetValue(rules)!, pr.GetValue(format)!, pr.GetValue(maxShown), store: pr.GetValue(store)!));
        return cmd;
    }

    internal static int Eval(IReadOnlyList<string> paths, string labels, string rules, string format, int maxShown, TextWriter? stdout = null, TextWriter? stderr = null, string store = "tracker")
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        const string me = "pwmk hitom eval: ";
        if (format is not ("text" or "json")) { stderr.WriteLine($"{me}unknown --format '{format}' (text or json)"); return Program.BadInput; }
        if (!HitomEvaluation.LabelStyles.Contains(labels)) { stderr.WriteLine($"{me}unknown --labels '{labels}' (mc, cot or all)"); return Program.BadInput; }
        if (HitomRules.Find(rules) is not { } ruleSet) { stderr.WriteLine($"{me}unknown --rules '{rules}' (faithful or generator)"); return Program.BadInput; }
        if (store is not ("tracker" or "prolog")) { stderr.WriteLine($"{me}unknown --store '{store}' (tracker or prolog)"); return Program.BadInput; }
        try
        {
            var files = HitomEvaluation.FindFiles(paths, labels);
            if (files.Count == 0)
            {
                stderr.WriteLine($"{me}no question files (order_K.txt) for --labels {labels} in {string.Join(", ", paths)}");
                return Program.NoResult;
            }
            var progress = ProgressLine.For(stderr, format == "json");
            Func<HitomFile, HitomRules, HitomAnswer>? answer = null;
            if (store == "prolog")
            {
                var model = new HitomPrologModel(ruleSet);
                answer = (file, _) => model.Answer(file);
            }
            var report = progress.Run($"answering {files.Count} questions", () => HitomEvaluation.Evaluate(files, ruleSet, answer));
            if (format == "json") stdout.WriteLine(ToJson(report, ruleSet, labels, store));
            else WriteText(stdout, report, ruleSet, labels, store, maxShown);
            return Program.Ok;
        }
        catch (Exception ex) when (ex is HitomFormatException or IOException or UnauthorizedAccessException or Pwmk.Core.Beliefs.BeliefStoreException or Pwmk.Logic.PrologException)
        {
            stderr.WriteLine(me + ex.Message);
            return Program.BadInput;
        }
    }

    private static void WriteText(TextWriter w, HitomReport r, HitomRules rules, string labels, string store, int maxShown)
    {
        w.WriteLine($"rules {rules.Name}, labels {labels}, answered by the {store}");
        w.WriteLine($"{"",-16} {"correct",8} {"total",6} {"accuracy",9}");
        void Row(string name, HitomScore s) => w.WriteLine($"{name,-16} {s.Correct,8} {s.Total,6} {Pct(s.Correct, s.Total),9}");
        foreach (var (k, s) in r.BySplit) Row("split " + k, s);
        foreach (var (k, s) in r.ByLength) Row("length " + k.ToString(CultureInfo.InvariantCulture), s);
        foreach (var (k, s) in r.ByOrder) Row("order " + k.ToString(CultureInfo.InvariantCulture), s);
        foreach (var (k, s) in r.Joint) Row("joint 0-" + k.ToString(CultureInfo.InvariantCulture), s);
        Row("all", new HitomScore { Total = r.Total, Correct = r.Correct });
        if (r.Disagreements.Count == 0) return;
        w.WriteLine();
        w.WriteLine($"disagreements: {r.Disagreements.Count} (file:line, order: question -> label / ours, decided by)");
        foreach (var d in r.Disagreements.Take(Math.Max(0, maxShown)))
            w.WriteLine($"  {d.File}:{d.Line}, order {d.Order}: {d.Question} -> {d.Label} / {d.Answer ?? "(no belief)"}, {d.Reason?.ToString() ?? "no event reached the chain"}");
        if (r.Disagreements.Count > maxShown) w.WriteLine($"  ... {r.Disagreements.Count - maxShown} more (--show N or --format json)");
    }

    private static string Pct(int c, int t) => t == 0 ? "-" : (100.0 * c / t).ToString("F2", CultureInfo.InvariantCulture) + "%";

    internal static string ToJson(HitomReport r, HitomRules rules, string labels, string store)
    {
        var ms = new MemoryStream();
        using (var j = new Utf8JsonWriter(ms))
        {
            j.WriteStartObject();
            j.WriteNumber("total", r.Total);
            j.WriteNumber("correct", r.Correct);
            j.WriteString("rules", rules.Name);
            j.WriteString("labels", labels);
            j.WriteString("store", store);
            Scores(j, "by_type", r.ByType, k => k);
            Scores(j, "by_split", r.BySplit, k => k);
            Scores(j, "by_length", r.ByLength, k => k.ToString(CultureInfo.InvariantCulture));
            Scores(j, "by_order", r.ByOrder, k => k.ToString(CultureInfo.InvariantCulture));
            Scores(j, "joint", r.Joint, k => k.ToString(CultureInfo.InvariantCulture));
            j.WriteStartArray("disagreements");
            foreach (var d in r.Disagreements)
            {
                j.WriteStartObject();
                j.WriteString("file", d.File);
                j.WriteNumber("line", d.Line);
                j.WriteString("split", d.Split);
                j.WriteNumber("length", d.Length);
                j.WriteNumber("order", d.Order);
                j.WriteString("question", d.Question);
                j.WriteString("label", d.Label);
                if (d.Answer is null) j.WriteNull("answer"); else j.WriteString("answer", d.Answer);
                if (d.Reason is { } why)
                {
                    j.WriteString("rule", why.Rule);
                    j.WriteNumber("rule_line", why.Line);
                }
                else
                {
                    j.WriteNull("rule");
                    j.WriteNull("rule_line");
                }
                j.WriteEndObject();
            }
            j.WriteEndArray();
            j.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void Scores<TKey>(Utf8JsonWriter j, string name, SortedDictionary<TKey, HitomScore> scores, Func<TKey, string> key) where TKey : notnull
    {
        j.WriteStartObject(name);
        foreach (var (k, s) in scores)
        {
            j.WriteStartObject(key(k));
            j.WriteNumber("total", s.Total);
            j.WriteNumber("correct", s.Correct);
            j.WriteEndObject();
        }
        j.WriteEndObject();
    }
}

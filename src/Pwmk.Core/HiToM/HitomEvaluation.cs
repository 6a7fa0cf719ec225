using System.Diagnostics;
using System.Globalization;

namespace Pwmk.Core.HiToM;

/// <summary>Questions and correct answers of one group.</summary>
public sealed class HitomScore
{
    public int Total { get; set; }
    public int Correct { get; set; }
}

/// <summary>A question whose answer differs from its label, with the rule and line that decided the answer.</summary>
public sealed record HitomDisagreement(string File, int Line, string Split, int Length, int Order, string Question, string Label, string? Answer, HitomReason? Reason);

/// <summary>Scores of a Hi-ToM evaluation: overall, by split, length, order, split and order together, and joint.</summary>
public sealed class HitomReport
{
    public int Total { get; set; }
    public int Correct { get; set; }

    /// <summary>By question type: split and order, such as <c>Tell/order_3</c>.</summary>
    public SortedDictionary<string, HitomScore> ByType { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, HitomScore> BySplit { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<int, HitomScore> ByLength { get; } = [];
    public SortedDictionary<int, HitomScore> ByOrder { get; } = [];

    /// <summary>
    /// By order k: the stories (question folders) having the questions of every order 0..k, and those whose questions
    /// 0..k are all answered right.
    /// </summary>
    public SortedDictionary<int, HitomScore> Joint { get; } = [];
    public List<HitomDisagreement> Disagreements { get; } = [];
}

/// <summary>Answers Hi-ToM question files in the data set's layout and scores them against their labels.</summary>
public static class HitomEvaluation
{
    private static ActivitySource s_activity => CoreDiagnostics.Source;

    /// <summary>Label styles: the <c>MC</c> or <c>CoT</c> folders of the layout, or <c>all</c> (both, each file against its own label).</summary>
    public static IReadOnlyList<string> LabelStyles { get; } = ["mc", "cot", "all"];

    /// <summary>
    /// The question files named by <paramref name="paths"/>: files as given, and every <c>order_K.txt</c> below a folder
    /// whose path does not name the other prompt style's folder (<c>CoT</c> for <c>--labels mc</c>, <c>MC</c> for
    /// <c>--labels cot</c>, neither for <c>--labels all</c>). Sorted, without repeats.
    /// </summary>
    public static List<string> FindFiles(IEnumerable<string> paths, string labels)
    {
        ArgumentNullException.ThrowIfNull(paths);
        string? other = labels switch
        {
            "mc" => "CoT",
            "cot" => "MC",
            "all" => null,
            _ => throw new ArgumentException($"unknown label style '{labels}' (mc, cot or all)", nameof(labels)),
        };
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var p in paths)
        {
            if (File.Exists(p)) { found.Add(Path.GetFullPath(p)); continue; }
            if (!Directory.Exists(p)) throw new FileNotFoundException($"{p}: no such file or folder", p);
            foreach (var f in Directory.EnumerateFiles(p, "order_*.txt", SearchOption.AllDirectories))
            {
                var full = Path.GetFullPath(f);
                if (other is null || !HasComponent(full, other)) found.Add(full);
            }
        }
        return [.. found];
    }

    /// <summary>Replays every file and scores the answers; <paramref name="answer"/> replaces the tracker (the Prolog path).</summary>
    public static HitomReport Evaluate(IReadOnlyList<string> files, HitomRules rules, Func<HitomFile, HitomRules, HitomAnswer>? answer = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(rules);
        answer ??= HitomReplay.Answer;
        using var span = s_activity.StartActivity("pwmk.hitom.evaluate");
        var report = new HitomReport();
        var stories = new Dictionary<string, Dictionary<int, bool>>(StringComparer.Ordinal);
        foreach (var path in files)
        {
            var file = HitomReader.ReadFile(path);
            var a = answer(file, rules);
            var q = file.Question;
            string? split = Split(path);
            int? length = Length(path);
            if (split is null || length is null)
            {
                // the layout does not name them: read them from the story
                var narrated = HitomNarrator.Of(file);
                split ??= narrated.HasClaims ? "Tell" : "No_Tell";
                length ??= narrated.Chapters;
            }
            bool ok = a.Answer == file.Label;
            Count(report.ByType, $"{split}/order_{q.Order}", ok);
            Count(report.BySplit, split, ok);
            Count(report.ByLength, length.Value, ok);
            Count(report.ByOrder, q.Order, ok);
            report.Total++;
            if (ok) report.Correct++;
            else report.Disagreements.Add(new HitomDisagreement(path, q.Line, split, length.Value, q.Order, q.Text, file.Label, a.Answer, a.Reason));
            string story = Path.GetDirectoryName(path) ?? "";
            if (!stories.TryGetValue(story, out var orders)) stories[story] = orders = [];
            orders[q.Order] = ok;
        }
        foreach (var orders in stories.Values)
        {
            bool all = true;
            for (int k = 0; orders.TryGetValue(k, out bool ok); k++)
            {
                all &= ok;
                Count(report.Joint, k, all);
            }
        }
        span?.SetTag("pwmk.hitom.questions", report.Total);
        return report;
    }

    private static void Count<TKey>(SortedDictionary<TKey, HitomScore> scores, TKey key, bool ok) where TKey : notnull
    {
        if (!scores.TryGetValue(key, out var s)) scores[key] = s = new HitomScore();
        s.Total++;
        if (ok) s.Correct++;
    }

    private static bool HasComponent(string path, string name)
    {
        foreach (var part in path.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar))
            if (part == name) return true;
        return false;
    }

    /// <summary><c>Tell</c> or <c>No_Tell</c> when the path names the split's folder.</summary>
    private static string? Split(string path) =>
        HasComponent(path, "No_Tell") ? "No_Tell" : HasComponent(path, "Tell") ? "Tell" : null;

    /// <summary>L of a <c>length_L</c> folder in the path.</summary>
    private static int? Length(string path)
    {
        foreach (var part in path.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar))
            if (part.StartsWith("length_", StringComparison.Ordinal) && int.TryParse(part.AsSpan(7), NumberStyles.None, CultureInfo.InvariantCulture, out int l))
                return l;
        return null;
    }
}

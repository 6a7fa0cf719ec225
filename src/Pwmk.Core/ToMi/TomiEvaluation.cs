using Pwmk.Core.Beliefs;
using System.Diagnostics;

namespace Pwmk.Core.ToMi;

/// <summary>Accuracy of one question type.</summary>
public sealed class TomiTypeScore
{
    public int Total { get; set; }
    public int Correct { get; set; }
}

/// <summary>A question where our answer differs from the label.</summary>
public sealed record TomiDisagreement(int Story, int Line, string Type, string Question, string Label, string? Answer);

/// <summary>Result of evaluating a ToMi split.</summary>
public sealed class TomiReport
{
    public int Total { get; set; }
    public int Correct { get; set; }
    public SortedDictionary<string, TomiTypeScore> ByType { get; } = new(StringComparer.Ordinal);
    public List<TomiDisagreement> Disagreements { get; } = [];
}

/// <summary>Replays every story of a split and scores the answers, per question type.</summary>
public static class TomiEvaluation
{
    private static ActivitySource s_activity => CoreDiagnostics.Source;

    /// <summary>
    /// Evaluates stories. <paramref name="questionTypes"/> (from a trace file, one per question in
    /// order) names the types; without it the type is the question form (memory, reality,
    /// first_order, second_order).
    /// </summary>
    public static TomiReport Evaluate(IEnumerable<TomiStory> stories, IReadOnlyList<string>? questionTypes = null, int depth = 2, string source = "<input>", bool fromGroundTruth = false)
        => Evaluate(stories, questionTypes, depth, source, fromGroundTruth, null);

    /// <summary>As <see cref="Evaluate(IEnumerable{TomiStory}, IReadOnlyList{string}?, int, string, bool)"/>, answering belief
    /// questions by querying a fresh store per story made by <paramref name="storeFactory"/> (for example the Prolog-backed
    /// <see cref="Beliefs.BeliefStore"/>).</summary>
    public static TomiReport Evaluate(IEnumerable<TomiStory> stories, IReadOnlyList<string>? questionTypes, int depth, string source, bool fromGroundTruth, Func<IBeliefStore>? storeFactory)
    {
        ArgumentNullException.ThrowIfNull(stories);
        using var span = s_activity.StartActivity("pwmk.tomi.evaluate");
        var report = new TomiReport();
        int q = 0;
        foreach (var story in stories)
        {
            var answers = storeFactory is null ? TomiReplay.Answer(story, depth, source, fromGroundTruth) : TomiReplay.AnswerFromStore(story, depth, storeFactory(), source);
            foreach (var a in answers)
            {
                string type;
                if (questionTypes is not null)
                {
                    if (q >= questionTypes.Count) throw new TomiFormatException(source, a.Question.Line, 1, $"the trace has only {questionTypes.Count} lines but this is question {q + 1}");
                    type = questionTypes[q];
                    string form = FormName(a.Question.Question);
                    if (!type.StartsWith(form, StringComparison.Ordinal))
                        throw new TomiFormatException(source, a.Question.Line, 1, $"trace line {q + 1} says '{type}' but this question is a {form} question: trace and stories do not match");
                }
                else type = FormName(a.Question.Question);
                q++;
                if (!report.ByType.TryGetValue(type, out var score)) report.ByType[type] = score = new TomiTypeScore();
                score.Total++;
                report.Total++;
                if (a.Correct) { score.Correct++; report.Correct++; }
                else report.Disagreements.Add(new TomiDisagreement(a.Story, a.Question.Line, type, TomiWriter.QuestionText(a.Question), a.Question.Answer!, a.Answer));
            }
        }
        if (questionTypes is not null && q != questionTypes.Count)
            throw new TomiFormatException(source, 0, 0, $"the trace has {questionTypes.Count} lines but the stories have {q} questions");
        span?.SetTag("pwmk.tomi.questions", report.Total);
        return report;
    }

    public static string FormName(TomiQuestionKind k) => k switch
    {
        TomiQuestionKind.Memory => "memory",
        TomiQuestionKind.Reality => "reality",
        TomiQuestionKind.FirstOrder => "first_order",
        _ => "second_order",
    };
}

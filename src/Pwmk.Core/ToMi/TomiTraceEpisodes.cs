using Pwmk.Core.Environments;

namespace Pwmk.Core.ToMi;

/// <summary>
/// The second path to ToMi answers: each story is acted out as a <see cref="RoomsWorld"/> episode
/// from the abstract actions of its trace line (<c>enter_agent_1, agent_0_moves_obj, ...</c>, in the
/// order the ToMi oracle applied them), not from the text, and its question is answered through
/// <see cref="PerspectiveEnv.GetBeliefGroundTruth"/>. The story text is used only to map the label (a
/// container name) to "first container" or "moved-to container".
/// </summary>
public static class TomiTraceEpisodes
{
    private static readonly string[] s_agents = ["agent_0", "agent_1", "agent_2"];

    public static TomiReport Evaluate(IReadOnlyList<TomiStory> stories, IReadOnlyList<string> traceLines, int depth = 2, string source = "<trace>")
    {
        ArgumentNullException.ThrowIfNull(stories);
        ArgumentNullException.ThrowIfNull(traceLines);
        if (stories.Count != traceLines.Count) throw new TomiFormatException(source, 0, 0, $"{traceLines.Count} trace lines for {stories.Count} stories");
        var report = new TomiReport();
        for (int i = 0; i < stories.Count; i++)
        {
            var fields = traceLines[i].Split(',');
            if (fields.Length < 3) throw new TomiFormatException(source, i + 1, 1, "expected 'actions...,question_type,story_type'");
            string type = fields[^2];
            var story = stories[i];
            var q = story.Sentences.LastOrDefault(s => s.Kind == TomiSentenceKind.Question)
                ?? throw new TomiFormatException(source, i + 1, 1, $"story {story.Index} has no question");
            string? first = story.Sentences.FirstOrDefault(s => s.Kind == TomiSentenceKind.Place)?.Container;
            string? moved = story.Sentences.FirstOrDefault(s => s.Kind == TomiSentenceKind.Move)?.Container;
            string label = q.Answer == first ? "c0" : q.Answer == moved ? "c1" : "other";
            string? answer = Act(fields.AsSpan(0, fields.Length - 2), type, depth, source, i + 1);
            if (!report.ByType.TryGetValue(type, out var score)) report.ByType[type] = score = new TomiTypeScore();
            score.Total++;
            report.Total++;
            if (answer == label) { score.Correct++; report.Correct++; }
            else report.Disagreements.Add(new TomiDisagreement(story.Index, q.Line, type, TomiWriter.QuestionText(q), q.Answer!, answer == "c0" ? first : answer == "c1" ? moved : answer));
        }
        return report;
    }

    private static string? Act(ReadOnlySpan<string> actions, string type, int depth, string source, int line)
    {
        var layout = new RoomsLayout().AddContainer("c0", "loc").AddContainer("c1", "loc").AddRoom("alt_loc").AddObject("obj");
        var w = new RoomsWorld(s_agents, layout, depth) { StrictActions = true };
        w.Reset(0);
        bool entered0 = false, entered1 = false, placed = false;
        foreach (var a in actions)
        {
            switch (a)
            {
                case "enter_agent_0": w.Act("agent_0", RoomsAction.Enter("loc")); entered0 = true; break;
                case "enter_agent_1": w.Act("agent_1", RoomsAction.Enter("loc")); entered1 = true; break;
                case "agent_2_enters": w.Act("agent_2", RoomsAction.Enter("loc")); break;
                case "agent_0_exits": w.Act("agent_0", RoomsAction.Exit); break;
                case "agent_1_exits": w.Act("agent_1", RoomsAction.Exit); break;
                case "agent_2_exits": w.Act("agent_2", RoomsAction.Exit); break;
                case "agent_0_moves_obj": w.Act("agent_0", RoomsAction.Move("obj", "c1")); break;
                case "agent_1_reenters_loc": w.Act("agent_1", RoomsAction.Enter("loc")); break;
                case "agent_1_reenters_alt_loc": w.Act("agent_1", RoomsAction.Enter("alt_loc")); break;
                default: throw new TomiFormatException(source, line, 1, $"unknown trace action '{a}'");
            }
            if (entered0 && entered1 && !placed) { w.Place("obj", "c0"); placed = true; }
        }
        if (!placed) throw new TomiFormatException(source, line, 1, "the trace never has both agents enter");
        if (type == "memory") return "c0";
        if (type == "reality") return w.ContainerOf("obj");
        int x = type.Length > 13 && type.StartsWith("first_order_", StringComparison.Ordinal) ? type[12] - '0'
            : type.StartsWith("second_order_", StringComparison.Ordinal) ? type[13] - '0' : -1;
        if (x is not (0 or 1)) throw new TomiFormatException(source, line, 1, $"unknown question type '{type}'");
        string[] chain = type[0] == 'f' ? [s_agents[x]] : [s_agents[x], s_agents[1 - x]];
        return w.GetBeliefGroundTruth().Belief(chain, w.AtFluent("obj"));
    }
}

using Pwmk.Core.Beliefs;
using Pwmk.Core.Environments;
using Pwmk.Core.Perspective;

namespace Pwmk.Core.ToMi;

/// <summary>One answered question of a story.</summary>
public sealed record TomiAnswer(int Story, TomiSentence Question, string? Answer)
{
    public bool Correct => Answer == Question.Answer;
}

/// <summary>
/// Replays a ToMi story in a <see cref="RoomsWorld"/> and answers its questions from the beliefs:
/// first order <c>believes(x, at(o, C))</c>, second order <c>believes(x, believes(y, at(o, C)))</c>,
/// reality from the world, memory from the object's first container. A container belongs to the room
/// where it is first used: for <c>The O is in the C.</c> the scene the narrator describes, that is the
/// room holding the most agents (ties go to the room entered last; with nobody in any room, the
/// latest room entered); the actor's room for moves and peeks; the speaker's room for a container only ever named in a telling.
/// </summary>
public static class TomiReplay
{
    /// <summary>Builds the world a story happens in (agents, rooms, containers, objects).</summary>
    public static RoomsWorld BuildWorld(TomiStory story, int depth, string source = "<input>")
    {
        ArgumentNullException.ThrowIfNull(story);
        var agents = new List<string>();
        var layout = new RoomsLayout();
        var where = new Dictionary<string, string>();
        var told = new List<(TomiSentence Sentence, string? Room)>();
        string? lastEntered = null;
        var entries = new List<string>();
        string? Scene()
        {
            string? best = null;
            int bestCount = 0;
            for (int i = entries.Count - 1; i >= 0; i--)
            {
                if (!where.TryGetValue(entries[i], out var r)) continue;
                int n = where.Values.Count(x => x == r);
                if (n > bestCount) { best = r; bestCount = n; }
            }
            return best ?? lastEntered;
        }
        void AddAgent(string? a) { if (a is not null && !agents.Contains(a)) agents.Add(a); }
        void AddContainer(TomiSentence s, string container, string? room)
        {
            if (layout.HasContainer(container)) return;
            if (room is null) throw new TomiFormatException(source, s.Line, 1, $"cannot tell which room the {container} is in: nobody has entered a room yet");
            layout.AddContainer(container, room);
        }
        foreach (var s in story.Sentences)
        {
            switch (s.Kind)
            {
                case TomiSentenceKind.Enter:
                    AddAgent(s.Agent);
                    layout.AddRoom(s.Room!);
                    where[s.Agent!] = s.Room!;
                    entries.Remove(s.Agent!);
                    entries.Add(s.Agent!);
                    lastEntered = s.Room;
                    break;
                case TomiSentenceKind.Exit:
                    AddAgent(s.Agent);
                    layout.AddRoom(s.Room!);
                    where.Remove(s.Agent!);
                    break;
                case TomiSentenceKind.Place:
                    AddContainer(s, s.Container!, Scene());
                    layout.AddObject(s.Object!);
                    break;
                case TomiSentenceKind.Move:
                case TomiSentenceKind.Peek:
                    AddAgent(s.Agent);
                    AddContainer(s, s.Container!, where.GetValueOrDefault(s.Agent!));
                    if (s.Object is not null) layout.AddObject(s.Object);
                    break;
                case TomiSentenceKind.Tell:
                case TomiSentenceKind.Claim:
                    // a telling may name a container of another room: place it only if nothing else does
                    AddAgent(s.Agent);
                    AddAgent(s.Other);
                    told.Add((s, where.GetValueOrDefault(s.Agent!)));
                    layout.AddObject(s.Object!);
                    break;
                case TomiSentenceKind.Question:
                    AddAgent(s.Agent);
                    AddAgent(s.Other);
                    layout.AddObject(s.Object!);
                    break;
            }
        }
        foreach (var (s, room) in told) AddContainer(s, s.Container!, room);
        if (agents.Count == 0) throw new TomiFormatException(source, story.Sentences[0].Line, 1, "story has no agents");
        if (agents.Count > BeliefVocabulary.MaxAgents) throw new TomiFormatException(source, story.Sentences[0].Line, 1, $"story has more than {BeliefVocabulary.MaxAgents} agents");
        if (layout.Rooms.Count == 0) layout.AddRoom("outside");
        return new RoomsWorld(agents, layout, depth) { StrictActions = true, RecordHistory = true };
    }

    /// <summary>Replays a story and answers its questions, from the incremental tracker or (when <paramref name="fromGroundTruth"/>) from <see cref="PerspectiveEnv.GetBeliefGroundTruth"/>.</summary>
    public static List<TomiAnswer> Answer(TomiStory story, int depth, string source = "<input>", bool fromGroundTruth = false)
        => Answer(story, depth, source, fromGroundTruth, null);

    /// <summary>
    /// Replays a story with every belief mirrored into <paramref name="store"/> (for example the Prolog-backed
    /// <see cref="Beliefs.BeliefStore"/>) and answers belief questions by querying it:
    /// <c>believes(x, at(o, C))</c> and <c>believes(x, believes(y, at(o, C)))</c>.
    /// </summary>
    public static List<TomiAnswer> AnswerFromStore(TomiStory story, int depth, IBeliefStore store, string source = "<input>")
    {
        ArgumentNullException.ThrowIfNull(store);
        return Answer(story, depth, source, false, store);
    }

    private static List<TomiAnswer> Answer(TomiStory story, int depth, string source, bool fromGroundTruth, IBeliefStore? store)
    {
        var world = BuildWorld(story, depth, source);
        var changes = store is null ? null : new List<BeliefChange>();
        world.Tracker!.ChangeLog = changes;
        world.Reset(0);
        var answers = new List<TomiAnswer>();
        var first = new Dictionary<string, string>();
        foreach (var s in story.Sentences)
        {
            if (store is not null && changes!.Count > 0)
            {
                // the store follows the tracker: what the sentences before changed, before the next one is read
                ApplyNow(store, changes);
                changes.Clear();
            }
            try
            {
                switch (s.Kind)
                {
                    case TomiSentenceKind.Enter:
                        world.Act(s.Agent!, RoomsAction.Enter(s.Room!));
                        break;
                    case TomiSentenceKind.Exit:
                        if (world.RoomOf(s.Agent!) != s.Room) throw new InvalidOperationException($"{s.Agent} is not in the {s.Room}");
                        world.Act(s.Agent!, RoomsAction.Exit);
                        break;
                    case TomiSentenceKind.Place:
                        world.Place(s.Object!, s.Container!);
                        first.TryAdd(s.Object!, s.Container!);
                        break;
                    case TomiSentenceKind.Move:
                        first.TryAdd(s.Object!, world.ContainerOf(s.Object!) ?? s.Container!);
                        world.Act(s.Agent!, RoomsAction.Move(s.Object!, s.Container!));
                        break;
                    case TomiSentenceKind.Peek:
                        world.Act(s.Agent!, RoomsAction.Peek(s.Container!));
                        break;
                    case TomiSentenceKind.Tell:
                        world.Act(s.Agent!, RoomsAction.Tell(s.Other!, s.Object!, s.Container!));
                        break;
                    case TomiSentenceKind.Claim:
                        world.Act(s.Agent!, RoomsAction.Claim(s.Object!, s.Container!));
                        break;
                    case TomiSentenceKind.Question:
                        answers.Add(new TomiAnswer(story.Index, s, store is null ? AnswerQuestion(world, s, first, fromGroundTruth) : AnswerFromStore(world, s, first, store)));
                        break;
                }
            }
            catch (InvalidOperationException ex)
            {
                throw new TomiFormatException(source, s.Line, 1, ex.Message);
            }
        }
        return answers;
    }

    /// <summary>Applies changes to a store that applies them at once (an in-memory one); a replay does not wait for disks.</summary>
    private static void ApplyNow(IBeliefStore store, List<BeliefChange> changes)
    {
        var applied = store.ApplyAsync(changes);
        if (!applied.IsCompletedSuccessfully)
            throw new InvalidOperationException($"a story replay needs a store that applies changes at once (an in-memory store), not {store.GetType().Name}");
    }

    private static string? AnswerFromStore(RoomsWorld world, TomiSentence q, Dictionary<string, string> first, IBeliefStore store)
    {
        if (q.Question is TomiQuestionKind.Memory or TomiQuestionKind.Reality) return AnswerQuestion(world, q, first, false);
        int fluent = world.AtFluent(q.Object!);
        int[] chain = q.Question == TomiQuestionKind.FirstOrder
            ? [world.AgentId(q.Agent!)]
            : [world.AgentId(q.Agent!), world.AgentId(q.Other!)];
        if (chain.Length > world.BeliefDepth) return null;
        int v = BeliefQueries.ValueOf(store, world.Vocabulary, chain, fluent);
        return v < 0 ? null : world.Vocabulary.ValueTerm(v).ToString();
    }

    private static string? AnswerQuestion(RoomsWorld world, TomiSentence q, Dictionary<string, string> first, bool fromGroundTruth)
    {
        switch (q.Question)
        {
            case TomiQuestionKind.Memory:
                return first.GetValueOrDefault(q.Object!);
            case TomiQuestionKind.Reality:
                return world.ContainerOf(q.Object!);
        }
        int fluent = world.AtFluent(q.Object!);
        int[] chain = q.Question == TomiQuestionKind.FirstOrder
            ? [world.AgentId(q.Agent!)]
            : [world.AgentId(q.Agent!), world.AgentId(q.Other!)];
        if (chain.Length > world.BeliefDepth) return null;
        int v = fromGroundTruth ? world.GetBeliefGroundTruth().Belief(chain, fluent) : world.Tracker!.Belief(chain, fluent);
        return v < 0 ? null : world.Vocabulary.ValueTerm(v).ToString();
    }
}

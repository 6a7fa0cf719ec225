using Pwmk.Core.Environments;

namespace Pwmk.Core.ToMi;

/// <summary>A generated story with its trace line (actions, question type, story type).</summary>
public sealed record GeneratedTomiStory(TomiStory Story, string Trace);

/// <summary>
/// Generates ToMi-style stories (true belief, false belief, second-order false belief, with an
/// optional distractor agent and distractor sentences) by acting them out in a <see cref="RoomsWorld"/>.
/// Every label comes from the environment: reality and memory from the world, belief questions from
/// <see cref="PerspectiveEnv.GetBeliefGroundTruth"/> at the moment of the question. A question is
/// <c>_tom</c> when the asked belief differs from reality, <c>_no_tom</c> otherwise.
/// </summary>
public static class TomiGenerator
{
    private static readonly string[] s_names = ["Ella", "Avery", "Aiden", "Owen", "Isabella", "James", "Sophia", "Oliver", "Hunter", "Chloe", "Liam", "Mason", "Hannah", "Logan", "Abigail", "Carter"];
    private static readonly string[] s_rooms = ["garage", "kitchen", "den", "lounge", "pantry", "basement", "attic", "office", "porch", "hall"];
    private static readonly string[] s_objects = ["spinach", "apple", "banana", "lemon", "peas", "onion", "plum", "melon", "corn", "lime"];
    private static readonly string[] s_containers = ["green_crate", "blue_box", "red_drawer", "green_bucket", "blue_pantry", "red_suitcase", "green_basket", "blue_cupboard"];
    private static readonly string[] s_verbs = ["likes", "loves", "hates", "dislikes"];
    private static readonly string[] s_questionTypes = ["memory", "reality", "first_order_0", "first_order_1", "second_order_0", "second_order_1"];

    public static List<GeneratedTomiStory> Generate(int count, int seed, int depth = 2)
    {
        var rng = new Random(seed);
        var result = new List<GeneratedTomiStory>(count);
        for (int i = 0; i < count; i++) result.Add(One(rng, i + 1, depth, s_questionTypes[i % s_questionTypes.Length]));
        return result;
    }

    private static T[] Pick<T>(Random rng, T[] from, int n)
    {
        var copy = (T[])from.Clone();
        rng.Shuffle(copy);
        return copy[..n];
    }

    private static GeneratedTomiStory One(Random rng, int index, int depth, string questionType)
    {
        var agents = Pick(rng, s_names, 3);
        var rooms = Pick(rng, s_rooms, 2);
        var containers = Pick(rng, s_containers, 2);
        string obj = s_objects[rng.Next(s_objects.Length)];
        var layout = new RoomsLayout().AddRoom(rooms[0]).AddRoom(rooms[1])
            .AddContainer(containers[0], rooms[0]).AddContainer(containers[1], rooms[0]).AddObject(obj);
        var world = new RoomsWorld(agents, layout, depth) { StrictActions = true };
        world.Reset(index);
        var sentences = new List<TomiSentence>();
        var trace = new List<string>();
        string storyType = (rng.Next(3)) switch { 0 => "true_belief", 1 => "false_belief", _ => "second_order_false_belief" };
        bool distractor = rng.Next(2) == 0;
        int distractorAt = rng.Next(5);
        int step = 0;

        void Say(TomiSentence s) => sentences.Add(s with { Number = sentences.Count + 1 });
        void Opinion()
        {
            if (rng.Next(4) == 0)
                Say(new TomiSentence(0, 0, TomiSentenceKind.Opinion, Agent: agents[rng.Next(3)], Verb: s_verbs[rng.Next(4)], Object: s_objects[rng.Next(s_objects.Length)]));
        }
        void Maybe2()
        {
            if (!distractor || step++ != distractorAt) return;
            string? room = world.RoomOf(agents[2]);
            if (room is null) Enter(2, rooms[0], "agent_2_enters");
            else Exit(2, "agent_2_exits");
        }
        void Enter(int a, string room, string t)
        {
            world.Act(agents[a], RoomsAction.Enter(room));
            Say(new TomiSentence(0, 0, TomiSentenceKind.Enter, Agent: agents[a], Room: room));
            trace.Add(t);
            Opinion();
        }
        void Exit(int a, string t)
        {
            string room = world.RoomOf(agents[a])!;
            world.Act(agents[a], RoomsAction.Exit);
            Say(new TomiSentence(0, 0, TomiSentenceKind.Exit, Agent: agents[a], Room: room));
            trace.Add(t);
            Opinion();
        }

        bool zeroFirst = rng.Next(2) == 0;
        Maybe2();
        Enter(zeroFirst ? 0 : 1, rooms[0], zeroFirst ? "enter_agent_0" : "enter_agent_1");
        Maybe2();
        Enter(zeroFirst ? 1 : 0, rooms[0], zeroFirst ? "enter_agent_1" : "enter_agent_0");
        world.Place(obj, containers[0]);
        Say(new TomiSentence(0, 0, TomiSentenceKind.Place, Object: obj, Container: containers[0]));
        Maybe2();
        void MoveObj()
        {
            world.Act(agents[0], RoomsAction.Move(obj, containers[1]));
            Say(new TomiSentence(0, 0, TomiSentenceKind.Move, Agent: agents[0], Object: obj, Container: containers[1]));
            trace.Add("agent_0_moves_obj");
        }
        switch (storyType)
        {
            case "true_belief":
                MoveObj();
                Maybe2();
                Exit(1, "agent_1_exits");
                break;
            case "false_belief":
                Exit(1, "agent_1_exits");
                Maybe2();
                MoveObj();
                break;
            default:
                if (rng.Next(2) == 0) { Exit(1, "agent_1_exits"); Maybe2(); MoveObj(); }
                else { MoveObj(); Maybe2(); Exit(1, "agent_1_exits"); }
                Exit(0, "agent_0_exits");
                bool alt = rng.Next(2) == 0;
                Enter(1, alt ? rooms[1] : rooms[0], alt ? "agent_1_reenters_alt_loc" : "agent_1_reenters_loc");
                break;
        }
        Maybe2();

        string reality = world.ContainerOf(obj)!;
        var truth = world.GetBeliefGroundTruth();
        int at = world.AtFluent(obj);
        TomiSentence q;
        string type;
        switch (questionType)
        {
            case "memory":
                q = new(0, 0, TomiSentenceKind.Question, Object: obj, Question: TomiQuestionKind.Memory, Answer: containers[0]);
                type = questionType;
                break;
            case "reality":
                q = new(0, 0, TomiSentenceKind.Question, Object: obj, Question: TomiQuestionKind.Reality, Answer: reality);
                type = questionType;
                break;
            case "first_order_0":
            case "first_order_1":
                {
                    int x = questionType[^1] - '0';
                    string ans = truth.Belief([agents[x]], at)!;
                    q = new(0, 0, TomiSentenceKind.Question, Agent: agents[x], Object: obj, Question: TomiQuestionKind.FirstOrder, Answer: ans);
                    type = questionType + (ans == reality ? "_no_tom" : "_tom");
                    break;
                }
            default:
                {
                    int x = questionType[^1] - '0', y = 1 - x;
                    string ans = truth.Belief([agents[x], agents[y]], at)!;
                    q = new(0, 0, TomiSentenceKind.Question, Agent: agents[x], Other: agents[y], Object: obj, Question: TomiQuestionKind.SecondOrder, Answer: ans);
                    type = questionType + (ans == reality ? "_no_tom" : "_tom");
                    break;
                }
        }
        Say(q);
        return new GeneratedTomiStory(new TomiStory(index, sentences), string.Join(",", trace) + "," + type + "," + storyType);
    }
}

using Pwmk.Core.Environments;
using Pwmk.Core.HiToM;
using Pwmk.Core.Perspective;
using Pwmk.Core.ToMi;
using Pwmk.Core.Tests.ToMi;

namespace Pwmk.Core.Tests.HiToM;

public class HitomPropertyTests
{
    private static HitomFile StoryFile(IReadOnlyList<string> story) => HitomFixtures.File(story, "Where is the key really?");

    [Theory]
    [InlineData("faithful")]
    [InlineData("generator")]
    public void The_tracker_agrees_with_a_chain_by_chain_replay_on_long_random_stories(string rules)
    {
        var rng = new Random(19);
        var set = HitomRules.Find(rules)!;
        for (int n = 0; n < 150; n++)
        {
            var story = RandomHitomStories.Story(rng, rng.Next(2, 8), rng.Next(1, 6));
            int depth = 4;
            var replay = HitomReplay.Of(StoryFile(story), set, depth);
            var v = replay.Vocabulary;
            foreach (var obj in RandomHitomStories.Objects(story))
            {
                int f = v.FindFluent("at", new Pwmk.Logic.Terms.Atom(obj));
                foreach (var chain in BeliefChain.Enumerate(v.AgentCount, depth))
                    Assert.True(replay.ReplayedBelief(chain, f) == replay.Tracker.Belief(chain, f),
                        $"story {n}, {obj}, chain {string.Join(",", chain)}:\n{string.Join("\n", story)}");
            }
        }
    }

    [Theory]
    [InlineData("faithful")]
    [InlineData("generator")]
    public void The_belief_store_answers_as_the_tracker_on_long_random_stories(string rules)
    {
        var rng = new Random(20);
        var set = HitomRules.Find(rules)!;
        var model = new HitomPrologModel(set);
        int ruleFacts = model.Store.FactCount;
        for (int n = 0; n < 60; n++)
        {
            var story = RandomHitomStories.Story(rng, rng.Next(2, 8), rng.Next(1, 6));
            var agents = story[0][..story[0].IndexOf(" entered", StringComparison.Ordinal)].Replace(" and ", ", ", StringComparison.Ordinal).Split(", ");
            var objects = RandomHitomStories.Objects(story).ToArray();
            for (int q = 0; q < 12; q++)
            {
                var chain = agents.OrderBy(_ => rng.Next()).Take(rng.Next(0, Math.Min(4, agents.Length) + 1)).ToArray();
                var file = HitomFixtures.File(story, HitomFixtures.Question(objects[rng.Next(objects.Length)], chain));
                Assert.Equal(HitomReplay.Answer(file, set), model.Answer(file));
            }
        }
        Assert.Equal(ruleFacts, model.Store.FactCount); // every story's facts are gone again
    }

    [Fact]
    public void Without_claims_the_model_equals_the_witness_tracker_on_generated_tomi_stories()
    {
        foreach (var s in TomiGenerator.Generate(200, 7, depth: 3)) AssertSameAsRoomsWorld(s.Story, 3);
    }

    [DataFact("tomi")]
    public void Without_claims_the_model_equals_the_witness_tracker_on_every_tomi_story()
    {
        foreach (var story in TomiReader.ReadFile(Path.Combine(TomiValidationSplitTests.DataDir, "fb_all_val.txt"))) AssertSameAsRoomsWorld(story, 3);
    }

    /// <summary>Every chain's belief about every object, after the whole story, in the Hi-ToM replay and in today's RoomsWorld tracker.</summary>
    private static void AssertSameAsRoomsWorld(TomiStory story, int depth)
    {
        var sentences = new List<string>();
        foreach (var s in story.Sentences)
        {
            if (s.Kind is TomiSentenceKind.Question or TomiSentenceKind.Opinion) continue;
            sentences.Add(TomiWriter.Format(s));
        }
        var replay = HitomReplay.Of(StoryFile(sentences), HitomRules.Faithful, depth);
        var world = TomiReplay.BuildWorld(story, depth);
        world.Reset(0);
        foreach (var s in story.Sentences)
        {
            switch (s.Kind)
            {
                case TomiSentenceKind.Enter: world.Act(s.Agent!, RoomsAction.Enter(s.Room!)); break;
                case TomiSentenceKind.Exit: world.Act(s.Agent!, RoomsAction.Exit); break;
                case TomiSentenceKind.Place: world.Place(s.Object!, s.Container!); break;
                case TomiSentenceKind.Move: world.Act(s.Agent!, RoomsAction.Move(s.Object!, s.Container!)); break;
            }
        }
        var hv = replay.Vocabulary;
        foreach (var obj in world.Layout.Objects)
        {
            int wf = world.AtFluent(obj), hf = hv.FindFluent("at", new Pwmk.Logic.Terms.Atom(obj));
            foreach (var chain in BeliefChain.Enumerate(world.Agents.Count, depth))
            {
                int wv = world.Tracker!.Belief(chain, wf);
                string? expected = wv < 0 ? null : world.Vocabulary.ValueTerm(wv).ToString();
                var hchain = chain.Select(a => hv.FindAgent(world.Agents[a])).ToArray();
                string? actual = hf < 0 || hchain.Contains(-1) ? null : replay.Tracker.Belief(hchain, hf) is int hvv and >= 0 ? hv.ValueTerm(hvv).ToString() : null;
                Assert.True(expected == actual, $"story {story.Index}, {obj}, chain {string.Join(",", chain.Select(a => world.Agents[a]))}: RoomsWorld {expected}, Hi-ToM {actual}");
            }
        }
    }
}

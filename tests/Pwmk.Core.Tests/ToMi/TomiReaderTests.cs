using Pwmk.Core.ToMi;

namespace Pwmk.Core.Tests.ToMi;

public class TomiReaderTests
{
    private const string Story = "1 Ella entered the garage.\n2 Avery entered the garage.\n3 The spinach is in the green_crate.\n4 Ella exited the garage.\n5 Aiden loves the tangerine\n6 Avery moved the spinach to the green_treasure_chest.\n7 Where will Ella look for the spinach?\tgreen_crate\t1\n"
        + "1 Ella entered the garage.\n2 Avery entered the garage.\n3 The spinach is in the green_crate.\n4 Ella exited the garage.\n5 Avery moved the spinach to the green_treasure_chest.\n6 Where does Avery think that Ella searches for the spinach?\tgreen_crate\t1\n";

    [Fact]
    public void Reads_answers_and_round_trips()
    {
        var stories = TomiReader.Read(new StringReader(Story));
        Assert.Equal(2, stories.Count);
        var answers = stories.SelectMany(s => TomiReplay.Answer(s, 2)).ToList();
        Assert.All(answers, a => Assert.True(a.Correct));
        var sw = new StringWriter();
        TomiWriter.Write(sw, stories);
        Assert.Equal(Story, sw.ToString());
    }

    /// <summary>The extensions: a peek and a private tell; a public claim, a lie that misleads the listener only (the speaker keeps the truth).</summary>
    [Theory]
    [InlineData("1 Ella entered the garage.\n2 The spinach is in the green_crate.\n3 Ella exited the garage.\n4 Avery entered the garage.\n5 Avery looked inside the green_crate.\n6 Avery moved the spinach to the blue_box.\n7 Avery exited the garage.\n8 Avery entered the den.\n9 Ella entered the den.\n10 Avery told Ella that the spinach is in the blue_box.\n11 Where will Ella look for the spinach?\tblue_box\t1\n12 Where does Avery think that Ella searches for the spinach?\tblue_box\t1\n", 2)]
    [InlineData("1 Ella entered the garage.\n2 The spinach is in the green_crate.\n3 Avery entered the garage.\n4 Avery publicly claimed that the spinach is in the blue_box.\n5 Where will Ella look for the spinach?\tblue_box\t1\n6 Where will Avery look for the spinach?\tgreen_crate\t1\n7 Where does Ella think that Avery searches for the spinach?\tblue_box\t1\n8 Where does Avery think that Ella searches for the spinach?\tblue_box\t1\n9 Where is the spinach really?\tgreen_crate\t1\n", 5)]
    public void Peek_tell_and_claim_extensions_round_trip_and_update_beliefs(string text, int questions)
    {
        var stories = TomiReader.Read(new StringReader(text));
        var sw = new StringWriter();
        TomiWriter.Write(sw, stories);
        Assert.Equal(text, sw.ToString());
        var answers = TomiReplay.Answer(stories[0], 2);
        Assert.Equal(questions, answers.Count);
        Assert.All(answers, a => Assert.True(a.Correct, $"{a.Question.Line}: {a.Answer}"));
    }

    [Theory]
    [InlineData("1 Ella entered the garage.\n2 Ella jumped over the garage.\n", 2, "unknown sentence form")]
    [InlineData("1 Ella entered the garage.\n3 Ella exited the garage.\n", 2, "does not follow")]
    [InlineData("1 Ella entered the garage.\n2 Where is Ella?\tgarage\t1\n", 2, "unknown question form")]
    [InlineData("1 Ella entered the garage.\n2 Where is the x really?\tgarage\n", 2, "question<TAB>answer")]
    [InlineData("Ella entered the garage.\n", 1, "sentence number")]
    public void Malformed_lines_name_the_line(string text, int line, string message)
    {
        var ex = Assert.Throws<TomiFormatException>(() => TomiReader.Read(new StringReader(text), "s.txt"));
        Assert.Equal(line, ex.Line);
        Assert.Contains(message, ex.Message);
        Assert.StartsWith($"s.txt:{line}:", ex.Message);
    }

    [Fact]
    public void Trace_that_does_not_match_the_questions_is_an_error()
    {
        var stories = TomiReader.Read(new StringReader(Story));
        var ex = Assert.Throws<TomiFormatException>(() => TomiEvaluation.Evaluate(stories, ["first_order_0_tom", "reality"]));
        Assert.Equal(13, ex.Line);
        Assert.Throws<TomiFormatException>(() => TomiEvaluation.Evaluate(stories, ["first_order_0_tom"]));
        Assert.Equal(2, TomiEvaluation.Evaluate(stories, ["first_order_0_tom", "second_order_1_tom"]).Correct);
    }

    [Fact]
    public void Impossible_story_event_names_its_line()
    {
        var stories = TomiReader.Read(new StringReader("1 Ella entered the garage.\n2 Avery exited the garage.\n"));
        var ex = Assert.Throws<TomiFormatException>(() => TomiReplay.Answer(stories[0], 2, "s.txt"));
        Assert.Equal(2, ex.Line);
    }

    [Fact]
    public void Generated_stories_are_answered_perfectly_and_labelled_by_type()
    {
        var generated = TomiGenerator.Generate(300, 5);
        var sw = new StringWriter();
        TomiWriter.Write(sw, generated.Select(g => g.Story));
        var reread = TomiReader.Read(new StringReader(sw.ToString()));
        var types = generated.Select(g => g.Trace.Split(',')[^2]).ToList();
        var report = TomiEvaluation.Evaluate(reread, types);
        Assert.Equal(300, report.Total);
        Assert.Equal(300, report.Correct);
        Assert.Contains("second_order_0_tom", report.ByType.Keys);
        Assert.Contains("first_order_1_tom", report.ByType.Keys);
    }

    [Fact]
    public void Stream_parses_each_story_when_it_is_asked_for()
    {
        // a split is evaluated one story at a time: the first story is answered before a bad line further on is read
        var text = Story + "1 Ella entered the garage.\n2 Ella flew to the moon.\n";
        using var stories = TomiReader.Stream(new StringReader(text), "split.txt").GetEnumerator();
        Assert.True(stories.MoveNext());
        Assert.All(TomiReplay.Answer(stories.Current, 2), a => Assert.True(a.Correct));
        Assert.True(stories.MoveNext());
        var e = Assert.Throws<TomiFormatException>(() => stories.MoveNext());
        Assert.Equal(15, e.Line);
        Assert.Equal(2, TomiEvaluation.Evaluate(TomiReader.Stream(new StringReader(Story))).Correct);
    }
}

public class TomiEpisodeRoundTripTests
{
    [Fact]
    public void Random_rooms_episode_written_as_text_and_replayed_gives_the_same_beliefs()
    {
        for (int seed = 0; seed < 20; seed++)
        {
            var layout = new Pwmk.Core.Environments.RoomsLayout()
                .AddContainer("basket", "kitchen").AddContainer("box", "kitchen").AddContainer("jar", "kitchen").AddRoom("hall")
                .AddObject("apple").AddObject("pear");
            string[] agents = ["Ann", "Bob", "Cat"];
            var env = new Pwmk.Core.Environments.RoomsWorld(agents, layout, beliefDepth: 2);
            env.Reset(seed);
            env.Act("Ann", Pwmk.Core.Environments.RoomsAction.Enter("kitchen"));
            env.Place("apple", "basket");
            env.Place("pear", "jar");
            var rng = new Random(seed);
            var space = env.ActionSpace("Ann");
            for (int i = 0; i < 200; i++)
            {
                var joint = new int[3];
                joint[rng.Next(3)] = space.Sample(rng);
                env.Step(joint);
            }
            var questions = new List<TomiSentence>();
            foreach (var x in agents)
                foreach (var obj in layout.Objects)
                {
                    var mine = env.GetBeliefGroundTruth().Belief([x], env.AtFluent(obj));
                    if (mine is not null) questions.Add(new(0, 0, TomiSentenceKind.Question, Agent: x, Object: obj, Question: TomiQuestionKind.FirstOrder, Answer: mine));
                    foreach (var y in agents.Where(y => y != x))
                    {
                        var nested = env.GetBeliefGroundTruth().Belief([x, y], env.AtFluent(obj));
                        if (nested is not null) questions.Add(new(0, 0, TomiSentenceKind.Question, Agent: x, Other: y, Object: obj, Question: TomiQuestionKind.SecondOrder, Answer: nested));
                    }
                }
            var sw = new StringWriter();
            TomiWriter.Write(sw, [TomiStories.FromEpisode(env, 1, questions)]);
            var reread = TomiReader.Read(new StringReader(sw.ToString()));
            Assert.True(reread.Single().Sentences.Count >= questions.Count + 15, sw.ToString());
            var answers = TomiReplay.Answer(reread.Single(), 2);
            Assert.Equal(questions.Count, answers.Count);
            Assert.All(answers, a => Assert.True(a.Correct, $"seed {seed}, line {a.Question.Line}: {TomiWriter.QuestionText(a.Question)} {a.Question.Answer} vs {a.Answer}\n{sw}"));
        }
    }
}

using Pwmk.Core.ToMi;

namespace Pwmk.Core.Tests.Fuzz;

/// <summary>
/// Mutated ToMi stories and traces: the reader (and the replay of what it accepts) either succeeds or throws
/// <see cref="TomiFormatException"/> naming a line of the input; never another exception, never a hang.
/// </summary>
public sealed class TomiReaderFuzzTests
{
    // the ToMi validation split when PWMK_DATA has it, else stories and traces the project generates itself
    private static readonly Lazy<(string[] Lines, string[] Trace)> s_corpus = new(() =>
    {
        if (TestData.Has("tomi"))
            return (File.ReadAllLines(TestData.In("tomi", "fb_all_val.txt")), File.ReadAllLines(TestData.In("tomi", "fb_all_val.trace")));
        var generated = TomiGenerator.Generate(600, 3);
        var text = new StringWriter();
        TomiWriter.Write(text, generated.Select(g => g.Story));
        return (text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), [.. generated.Select(g => g.Trace)]);
    });

    /// <summary>A run of whole stories from the validation split (10 to 60 lines).</summary>
    private static string Window(Random rnd, string[] lines, bool storyStart)
    {
        int start = rnd.Next(lines.Length);
        while (storyStart && start > 0 && !lines[start].StartsWith("1 ", StringComparison.Ordinal)) start--;
        int count = Math.Min(10 + rnd.Next(50), lines.Length - start);
        return string.Join('\n', lines, start, count);
    }

    private static void AssertNamesALine(TomiFormatException e, string input, string source)
    {
        int lines = input.Split('\n').Length;
        Assert.True(e.Line >= 1 && e.Line <= lines, $"line {e.Line} outside 1..{lines}: {e.Message}");
        Assert.True(e.Column >= 1, $"column {e.Column}: {e.Message}");
        Assert.StartsWith($"{source}:{e.Line}:{e.Column}: ", e.Message);
    }

    [Fact]
    public void Mutated_stories_parse_or_fail_with_a_line_and_replay_without_crashing()
    {
        int seed = Fuzzer.Seed(8101), cases = Fuzzer.Cases(1500);
        var fz = new Fuzzer(seed);
        int parsed = 0, refused = 0, replayed = 0, replayRefused = 0;
        for (int i = 0; i < cases; i++)
        {
            string input = fz.Rnd.Next(40) == 0 ? fz.Garbage(1 + fz.Rnd.Next(50_000)) : fz.Mutate(Window(fz.Rnd, s_corpus.Value.Lines, true));
            Fuzzer.Bounded(() =>
            {
                List<TomiStory> stories;
                try
                {
                    stories = TomiReader.Read(new StringReader(input), "fuzz.txt");
                }
                catch (TomiFormatException e)
                {
                    AssertNamesALine(e, input, "fuzz.txt");
                    refused++;
                    return;
                }
                parsed++;
                foreach (var story in stories.Take(4))
                {
                    try
                    {
                        TomiReplay.Answer(story, 1 + (i % 3), "fuzz.txt");
                        replayed++;
                    }
                    catch (TomiFormatException e)
                    {
                        AssertNamesALine(e, input, "fuzz.txt");
                        replayRefused++;
                    }
                }
            }, () => $"seed {seed} case {i}: {Fuzzer.Clip(input)}");
        }
        Assert.True(parsed > cases / 20 && refused > cases / 4, $"parsed {parsed}, refused {refused} of {cases}");
        Assert.True(replayed > 0 && replayRefused > 0, $"replayed {replayed}, replay refused {replayRefused}");
    }

    [Fact]
    public void Mutated_traces_parse_or_fail_with_a_line()
    {
        int seed = Fuzzer.Seed(8102), cases = Fuzzer.Cases(1000);
        var fz = new Fuzzer(seed);
        int parsed = 0, refused = 0;
        for (int i = 0; i < cases; i++)
        {
            string input = fz.Mutate(Window(fz.Rnd, s_corpus.Value.Trace, false));
            Fuzzer.Bounded(() =>
            {
                try
                {
                    TomiTrace.ReadQuestionTypes(new StringReader(input), "fuzz.trace");
                    parsed++;
                }
                catch (TomiFormatException e)
                {
                    AssertNamesALine(e, input, "fuzz.trace");
                    refused++;
                }
            }, () => $"seed {seed} case {i}: {Fuzzer.Clip(input)}");
        }
        Assert.True(parsed > cases / 20 && refused > cases / 20, $"parsed {parsed}, refused {refused} of {cases}");
    }

    [Fact]
    public void Huge_inputs_are_refused_or_read_in_bounded_time()
    {
        // one 10 MB line, and a story of 20,000 sentences (over the story limit)
        var huge = new string('x', 10_000_000);
        var e = Assert.Throws<TomiFormatException>(() => TomiReader.Read(new StringReader("1 " + huge), "huge.txt"));
        Assert.Equal(1, e.Line);
        var story = string.Join('\n', Enumerable.Range(1, 20_000).Select(n => $"{n} Ella entered the garage."));
        e = Assert.Throws<TomiFormatException>(() => TomiReader.Read(new StringReader(story), "long.txt"));
        Assert.Equal(TomiReader.MaxStoryLength + 1, e.Line);
        Assert.Contains("at most", e.Message);
    }
}

using Pwmk.Core.HiToM;

namespace Pwmk.Core.Tests.HiToM;

/// <summary>The project's own Hi-ToM stories: question files written in the data set's layout and sentence forms.</summary>
internal static class HitomFixtures
{
    public const string Prompt = "Read the following story and answer the multiple-choice question. Please provide answer without explanations.";

    /// <summary>A question file: prompt, numbered story, question, answer, choices and note.</summary>
    public static string Text(IReadOnlyList<string> story, string question, string answer, IEnumerable<string>? choices = null)
    {
        var w = new StringWriter { NewLine = "\n" };
        w.WriteLine(Prompt);
        w.WriteLine("Story:");
        for (int i = 0; i < story.Count; i++) w.WriteLine($"{i + 1} {story[i]}");
        w.WriteLine($"Question: {question}");
        w.WriteLine($"Answer: {answer}");
        var c = (choices ?? [answer]).Select((x, i) => $"{(char)('A' + i)}. {x}");
        w.WriteLine($"Choices: {string.Join(", ", c)}");
        w.WriteLine();
        w.WriteLine("Note: You should assume the following. (1) An agent witnesses everything and every movements before exiting a location.");
        return w.ToString();
    }

    public static HitomFile File(IReadOnlyList<string> story, string question, string answer = "none") =>
        HitomReader.Read(new StringReader(Text(story, question, answer)), "fixture.txt");

    /// <summary>The question text for a chain (outermost first; empty: where the object really is).</summary>
    public static string Question(string obj, params string[] chain) => chain.Length switch
    {
        0 => $"Where is the {obj} really?",
        1 => $"Where does {chain[0]} really think the {obj} is?",
        _ => $"Where does {chain[0]} think {string.Concat(chain.Skip(1).Select(a => a + " thinks "))}the {obj} is?",
    };

    /// <summary>
    /// Replays the story and answers "where does chain... think the object is", through the tracker and through the
    /// Prolog rules of the belief store, which must agree on the answer and on the rule and line that decided it.
    /// </summary>
    public static string? Ask(IReadOnlyList<string> story, HitomRules rules, string obj, params string[] chain)
    {
        var file = File(story, Question(obj, chain));
        var tracker = HitomReplay.Answer(file, rules);
        var prolog = new HitomPrologModel(rules).Answer(file);
        Assert.Equal(tracker, prolog);
        return tracker.Answer;
    }

    /// <summary>
    /// Four agents in the hall; the key starts in the red_box; Anne leaves, Bob moves it to the blue_box while Cat and
    /// Dan watch; they leave in the announced order Anne, Bob, Cat, Dan and meet in the waiting room.
    /// </summary>
    public static readonly string[] Hall =
    [
        "Anne, Bob, Cat and Dan entered the hall.",
        "The key is in the red_box.",
        "Anne exited the hall.",
        "Bob moved the key to the blue_box.",
        "Bob exited the hall.",
        "Cat made no movements and stayed in the hall for 1 minute.",
        "Cat exited the hall.",
        "Dan saw a mouse.",
        "Dan exited the hall.",
        "Anne, Bob, Cat and Dan entered the waiting_room.",
    ];

    /// <summary>Writes a file of the data set's layout under <paramref name="root"/>.</summary>
    public static string Write(string root, string split, string style, int length, int sample, int order, string text)
    {
        string dir = Path.Combine(root, split, style, $"length_{length}", $"sample_{sample}");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, $"order_{order}.txt");
        System.IO.File.WriteAllText(path, text);
        return path;
    }
}

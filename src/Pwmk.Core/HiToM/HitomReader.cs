using System.Text.RegularExpressions;

namespace Pwmk.Core.HiToM;

/// <summary>
/// Reads Hi-ToM question files: a prompt, <c>Story:</c>, numbered story lines (1, 2, ...), <c>Question: ...</c>,
/// <c>Answer: C</c>, then optionally <c>Choices: A. c1, B. c2, ...</c> and a <c>Note: ...</c>. Unknown sentence forms,
/// broken numbering, a missing part and any other line are errors naming the file, line and column.
/// </summary>
public static partial class HitomReader
{
    /// <summary>Longest line accepted.</summary>
    public const int MaxLineLength = 4096;

    /// <summary>Most story lines one file may have.</summary>
    public const int MaxStoryLength = 10_000;

    /// <summary>Largest file accepted, in bytes.</summary>
    public const long MaxFileBytes = 4 << 20;

    /// <summary>The room whose entering ends a chapter; it holds no objects.</summary>
    public const string WaitingRoom = "waiting_room";

    public static HitomFile ReadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var info = new FileInfo(path);
        if (info.Exists && info.Length > MaxFileBytes) throw new HitomFormatException(path, 0, 0, $"file of {info.Length} bytes is larger than the limit of {MaxFileBytes}");
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    public static HitomFile Read(TextReader reader, string source = "<input>")
    {
        ArgumentNullException.ThrowIfNull(reader);
        var story = new List<HitomSentence>();
        HitomQuestion? question = null;
        string? label = null;
        IReadOnlyList<string> choices = [];
        bool inStory = false;
        int lineNo = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Length > MaxLineLength) throw new HitomFormatException(source, lineNo, MaxLineLength + 1, $"line longer than {MaxLineLength} characters");
            var text = line.TrimEnd();
            if (!inStory)
            {
                if (text == "Story:") inStory = true;
                continue; // the prompt
            }
            if (text.Length == 0) continue;
            if (question is null)
            {
                if (text.StartsWith("Question:", StringComparison.Ordinal))
                {
                    question = ParseQuestion(text, lineNo, source);
                    continue;
                }
                story.Add(ParseNumbered(text, lineNo, story.Count + 1, source));
                continue;
            }
            if (text.StartsWith("Answer:", StringComparison.Ordinal))
            {
                if (label is not null) throw new HitomFormatException(source, lineNo, 1, "a second 'Answer:' line");
                var m = AnswerRx().Match(text);
                if (!m.Success) throw new HitomFormatException(source, lineNo, 9, $"expected 'Answer: name', got '{text}'");
                label = m.Groups[1].Value;
            }
            else if (text.StartsWith("Choices:", StringComparison.Ordinal)) choices = ParseChoices(text, lineNo, source);
            else if (text.StartsWith("Note:", StringComparison.Ordinal)) break; // the rules in prose, to the end of the file
            else throw new HitomFormatException(source, lineNo, 1, $"unexpected line after the question: '{Short(text)}'");
        }
        if (!inStory) throw new HitomFormatException(source, lineNo, 0, "no 'Story:' line");
        if (question is null) throw new HitomFormatException(source, lineNo, 0, "no 'Question:' line after the story");
        if (label is null) throw new HitomFormatException(source, lineNo, 0, "no 'Answer:' line after the question");
        if (story.Count == 0) throw new HitomFormatException(source, question.Line, 1, "the story has no lines");
        return new HitomFile(source, story, question, label, choices);
    }

    private static HitomSentence ParseNumbered(string text, int lineNo, int expected, string source)
    {
        int sp = text.IndexOf(' ');
        if (sp <= 0 || !int.TryParse(text.AsSpan(0, sp), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int number))
            throw new HitomFormatException(source, lineNo, 1, $"expected a numbered story line or 'Question:', got '{Short(text)}'");
        if (number != expected) throw new HitomFormatException(source, lineNo, 1, $"story line number {number} where {expected} was expected");
        if (number > MaxStoryLength) throw new HitomFormatException(source, lineNo, 1, $"a story may have at most {MaxStoryLength} lines");
        return ParseSentence(text[(sp + 1)..], lineNo, sp + 2, source);
    }

    /// <summary>Parses one story sentence (without its number).</summary>
    internal static HitomSentence ParseSentence(string s, int lineNo, int col, string source)
    {
        Match m;
        if ((m = EnterS().Match(s)).Success)
        {
            var agents = AgentList(m.Groups[1].Value);
            for (int i = 0; i < agents.Length; i++)
                if (Array.IndexOf(agents, agents[i], i + 1) > 0) throw new HitomFormatException(source, lineNo, col, $"{agents[i]} is named twice in '{s}'");
            return new(lineNo, HitomSentenceKind.Enter, agents, Room: m.Groups[2].Value);
        }
        if ((m = PlaceS().Match(s)).Success) return new(lineNo, HitomSentenceKind.Place, [], Object: m.Groups[1].Value, Container: m.Groups[2].Value);
        if ((m = MoveS().Match(s)).Success) return new(lineNo, HitomSentenceKind.Move, [m.Groups[1].Value], Object: m.Groups[2].Value, Container: m.Groups[3].Value);
        if ((m = ExitS().Match(s)).Success) return new(lineNo, HitomSentenceKind.Exit, [m.Groups[1].Value], Room: m.Groups[2].Value);
        if ((m = StayS().Match(s)).Success) return new(lineNo, HitomSentenceKind.Noise, [m.Groups[1].Value], Room: m.Groups[2].Value);
        if ((m = NoiseS().Match(s)).Success) return new(lineNo, HitomSentenceKind.Noise, [m.Groups[1].Value]);
        if ((m = PublicS().Match(s)).Success) return new(lineNo, HitomSentenceKind.PublicClaim, [m.Groups[1].Value], Object: m.Groups[2].Value, Container: m.Groups[3].Value);
        if ((m = PrivateS().Match(s)).Success)
        {
            if (m.Groups[1].Value == m.Groups[2].Value) throw new HitomFormatException(source, lineNo, col, $"{m.Groups[1].Value} tells himself: '{s}'");
            return new(lineNo, HitomSentenceKind.PrivateTell, [m.Groups[1].Value], Object: m.Groups[3].Value, Container: m.Groups[4].Value, Listener: m.Groups[2].Value);
        }
        throw new HitomFormatException(source, lineNo, col, $"unknown sentence form: '{Short(s)}'");
    }

    private static string[] AgentList(string names)
    {
        // "A", "A and B", "A, B and C" (an Oxford comma is accepted)
        var parts = names.Split([", and ", " and ", ", "], StringSplitOptions.None);
        return parts;
    }

    private static HitomQuestion ParseQuestion(string text, int lineNo, string source)
    {
        string q = text["Question:".Length..].Trim();
        Match m;
        if ((m = RealityQ().Match(q)).Success) return new(lineNo, [], m.Groups[1].Value, q);
        if ((m = BeliefQ().Match(q)).Success)
        {
            var chain = new List<string> { m.Groups[1].Value };
            foreach (Capture c in m.Groups[2].Captures) chain.Add(c.Value);
            for (int i = 0; i < chain.Count; i++)
                if (chain.IndexOf(chain[i], i + 1) > 0)
                    throw new HitomFormatException(source, lineNo, 11, $"{chain[i]} appears twice in the question: a belief chain names distinct agents");
            return new(lineNo, chain, m.Groups[3].Value, q);
        }
        throw new HitomFormatException(source, lineNo, 11, $"unknown question form: '{Short(q)}'");
    }

    private static List<string> ParseChoices(string text, int lineNo, string source)
    {
        var result = new List<string>();
        string body = text["Choices:".Length..].Trim();
        if (body.Length == 0) return result;
        int col = text.Length - body.Length + 1;
        foreach (var item in body.Split(", "))
        {
            var m = ChoiceRx().Match(item);
            if (!m.Success) throw new HitomFormatException(source, lineNo, col, $"expected 'A. name' in the choices, got '{Short(item)}'");
            result.Add(m.Groups[1].Value);
            col += item.Length + 2;
        }
        return result;
    }

    private static string Short(string s) => s.Length <= 120 ? s : s[..117] + "...";

    private const string N = "([A-Za-z][A-Za-z0-9_]*)";
    private const string Names = "([A-Za-z][A-Za-z0-9_]*(?:(?:, | and |, and )[A-Za-z][A-Za-z0-9_]*)*)";

    [GeneratedRegex("^" + Names + " entered the " + N + "\\.$")] private static partial Regex EnterS();
    [GeneratedRegex("^The " + N + " is in the " + N + "\\.$")] private static partial Regex PlaceS();
    [GeneratedRegex("^" + N + " moved the " + N + " to the " + N + "\\.$")] private static partial Regex MoveS();
    [GeneratedRegex("^" + N + " exited the " + N + "\\.$")] private static partial Regex ExitS();
    [GeneratedRegex("^" + N + " made no movements and stayed in the " + N + " for [0-9]+ minutes?\\.$")] private static partial Regex StayS();
    [GeneratedRegex("^" + N + " (?:saw an? [a-z_]+|lost (?:his|her|their) [a-z_]+|(?:likes|dislikes) the [A-Za-z0-9_]+)\\.$")] private static partial Regex NoiseS();
    [GeneratedRegex("^" + N + " publicly claimed that (?:the )?" + N + " is in the " + N + "\\.$")] private static partial Regex PublicS();
    [GeneratedRegex("^" + N + " privately told " + N + " that (?:the )?" + N + " is in the " + N + "\\.$")] private static partial Regex PrivateS();
    [GeneratedRegex("^Where is the " + N + " really\\?$")] private static partial Regex RealityQ();
    [GeneratedRegex("^Where does " + N + " (?:really )?think (?:([A-Za-z][A-Za-z0-9_]*) thinks )*the " + N + " is\\?$")] private static partial Regex BeliefQ();
    [GeneratedRegex("^Answer: " + N + "$")] private static partial Regex AnswerRx();
    [GeneratedRegex("^[A-Z]+\\. " + N + "$")] private static partial Regex ChoiceRx();
}

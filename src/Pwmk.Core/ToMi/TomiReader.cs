using System.Text.RegularExpressions;

namespace Pwmk.Core.ToMi;

/// <summary>
/// Reads ToMi story files: one numbered sentence a line, numbering restarting at 1 for each story,
/// question lines carrying <c>question TAB answer TAB 1</c>. Unknown sentence forms, broken
/// numbering and malformed question lines are errors naming the line and column.
/// </summary>
public static partial class TomiReader
{
    /// <summary>Longest line accepted.</summary>
    public const int MaxLineLength = 4096;

    /// <summary>Most sentences one story may have.</summary>
    public const int MaxStoryLength = 10_000;

    public static List<TomiStory> ReadFile(string path)
    {
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    public static List<TomiStory> Read(TextReader reader, string source = "<input>") => [.. Stream(reader, source)];

    /// <summary>
    /// The stories of <paramref name="reader"/> one at a time, each parsed when the caller asks for it (a split is
    /// evaluated without holding all its stories in memory). Errors surface at the story they are in.
    /// </summary>
    public static IEnumerable<TomiStory> Stream(TextReader reader, string source = "<input>")
    {
        ArgumentNullException.ThrowIfNull(reader);
        return StreamCore(reader, source);
    }

    private static IEnumerable<TomiStory> StreamCore(TextReader reader, string source)
    {
        int count = 0;
        List<TomiSentence>? current = null;
        int lineNo = 0, lastNumber = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Length == 0 || line.AsSpan().IsWhiteSpace()) continue;
            if (line.Length > MaxLineLength) throw new TomiFormatException(source, lineNo, MaxLineLength + 1, $"line longer than {MaxLineLength} characters");
            int sp = line.IndexOf(' ');
            if (sp <= 0 || !int.TryParse(line.AsSpan(0, sp), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int number) || number < 1)
                throw new TomiFormatException(source, lineNo, 1, "expected a sentence number followed by a space");
            if (number == 1)
            {
                if (current is { Count: > 0 }) yield return new TomiStory(++count, current);
                current = [];
            }
            else if (number != lastNumber + 1 || current is null)
                throw new TomiFormatException(source, lineNo, 1, $"sentence number {number} does not follow {lastNumber}");
            else if (number > MaxStoryLength)
                throw new TomiFormatException(source, lineNo, 1, $"a story may have at most {MaxStoryLength} sentences");
            lastNumber = number;
            current.Add(ParseSentence(line, sp + 1, lineNo, number, source));
        }
        if (current is { Count: > 0 }) yield return new TomiStory(++count, current);
    }

    private static TomiSentence ParseSentence(string line, int start, int lineNo, int number, string source)
    {
        string text = line[start..];
        int col = start + 1;
        if (text.Contains('\t'))
        {
            var parts = text.Split('\t');
            if (parts.Length != 3) throw new TomiFormatException(source, lineNo, col, "a question line needs 'question<TAB>answer<TAB>support'");
            if (!IsName(parts[1])) throw new TomiFormatException(source, lineNo, col + parts[0].Length + 1, $"bad answer '{parts[1]}'");
            Match m;
            // the question's first words pick the one form it can be; the cascade below decides the rest
            var q = parts[0];
            if (q.StartsWith("Where was the ", StringComparison.Ordinal) && (m = MemoryQ().Match(q)).Success)
                return new(lineNo, number, TomiSentenceKind.Question, Object: m.Groups[1].Value, Question: TomiQuestionKind.Memory, Answer: parts[1]);
            if (q.StartsWith("Where will ", StringComparison.Ordinal) && (m = FirstQ().Match(q)).Success)
                return new(lineNo, number, TomiSentenceKind.Question, Agent: m.Groups[1].Value, Object: m.Groups[2].Value, Question: TomiQuestionKind.FirstOrder, Answer: parts[1]);
            if (q.StartsWith("Where does ", StringComparison.Ordinal) && (m = SecondQ().Match(q)).Success)
                return new(lineNo, number, TomiSentenceKind.Question, Agent: m.Groups[1].Value, Other: m.Groups[2].Value, Object: m.Groups[3].Value, Question: TomiQuestionKind.SecondOrder, Answer: parts[1]);
            if ((m = MemoryQ().Match(parts[0])).Success)
                return new(lineNo, number, TomiSentenceKind.Question, Object: m.Groups[1].Value, Question: TomiQuestionKind.Memory, Answer: parts[1]);
            if ((m = RealityQ().Match(parts[0])).Success)
                return new(lineNo, number, TomiSentenceKind.Question, Object: m.Groups[1].Value, Question: TomiQuestionKind.Reality, Answer: parts[1]);
            if ((m = FirstQ().Match(parts[0])).Success)
                return new(lineNo, number, TomiSentenceKind.Question, Agent: m.Groups[1].Value, Object: m.Groups[2].Value, Question: TomiQuestionKind.FirstOrder, Answer: parts[1]);
            if ((m = SecondQ().Match(parts[0])).Success)
                return new(lineNo, number, TomiSentenceKind.Question, Agent: m.Groups[1].Value, Other: m.Groups[2].Value, Object: m.Groups[3].Value, Question: TomiQuestionKind.SecondOrder, Answer: parts[1]);
            throw new TomiFormatException(source, lineNo, col, $"unknown question form: '{parts[0]}'");
        }
        Match s;
        // a keyword picks the one form a sentence can be (each form has its own), so most lines run one expression;
        // a line that form does not match goes through the whole cascade below, in its order
        if (Dispatch(text) is { } rx && (s = rx.Match(text)).Success)
        {
            if (rx == EnterS()) return new(lineNo, number, TomiSentenceKind.Enter, Agent: s.Groups[1].Value, Room: s.Groups[2].Value);
            if (rx == ExitS()) return new(lineNo, number, TomiSentenceKind.Exit, Agent: s.Groups[1].Value, Room: s.Groups[2].Value);
            if (rx == MoveS()) return new(lineNo, number, TomiSentenceKind.Move, Agent: s.Groups[1].Value, Object: s.Groups[2].Value, Container: s.Groups[3].Value);
            return new(lineNo, number, TomiSentenceKind.Place, Object: s.Groups[1].Value, Container: s.Groups[2].Value);
        }
        if ((s = EnterS().Match(text)).Success) return new(lineNo, number, TomiSentenceKind.Enter, Agent: s.Groups[1].Value, Room: s.Groups[2].Value);
        if ((s = ExitS().Match(text)).Success) return new(lineNo, number, TomiSentenceKind.Exit, Agent: s.Groups[1].Value, Room: s.Groups[2].Value);
        if ((s = MoveS().Match(text)).Success) return new(lineNo, number, TomiSentenceKind.Move, Agent: s.Groups[1].Value, Object: s.Groups[2].Value, Container: s.Groups[3].Value);
        if ((s = PlaceS().Match(text)).Success) return new(lineNo, number, TomiSentenceKind.Place, Object: s.Groups[1].Value, Container: s.Groups[2].Value);
        if ((s = OpinionS().Match(text)).Success) return new(lineNo, number, TomiSentenceKind.Opinion, Agent: s.Groups[1].Value, Verb: s.Groups[2].Value, Object: s.Groups[3].Value);
        if ((s = PeekS().Match(text)).Success) return new(lineNo, number, TomiSentenceKind.Peek, Agent: s.Groups[1].Value, Container: s.Groups[2].Value);
        if ((s = TellS().Match(text)).Success) return new(lineNo, number, TomiSentenceKind.Tell, Agent: s.Groups[1].Value, Other: s.Groups[2].Value, Object: s.Groups[3].Value, Container: s.Groups[4].Value);
        if ((s = ClaimS().Match(text)).Success) return new(lineNo, number, TomiSentenceKind.Claim, Agent: s.Groups[1].Value, Object: s.Groups[2].Value, Container: s.Groups[3].Value);
        throw new TomiFormatException(source, lineNo, col, $"unknown sentence form: '{text}'");
    }

    /// <summary>The expression of the form <paramref name="text"/>'s keyword names, or null.</summary>
    private static Regex? Dispatch(string text) =>
        text.Contains(" entered the ", StringComparison.Ordinal) ? EnterS()
        : text.Contains(" exited the ", StringComparison.Ordinal) ? ExitS()
        : text.Contains(" moved the ", StringComparison.Ordinal) ? MoveS()
        : text.StartsWith("The ", StringComparison.Ordinal) ? PlaceS()
        : null;

    private static bool IsName(string s) => NameRx().IsMatch(s);

    private const string N = "([A-Za-z][A-Za-z0-9_]*)";

    [GeneratedRegex("^" + N + "$")] private static partial Regex NameRx();
    [GeneratedRegex("^Where was the " + N + " at the beginning\\?$")] private static partial Regex MemoryQ();
    [GeneratedRegex("^Where is the " + N + " really\\?$")] private static partial Regex RealityQ();
    [GeneratedRegex("^Where will " + N + " look for the " + N + "\\?$")] private static partial Regex FirstQ();
    [GeneratedRegex("^Where does " + N + " think that " + N + " searches for the " + N + "\\?$")] private static partial Regex SecondQ();
    [GeneratedRegex("^" + N + " entered the " + N + "\\.$")] private static partial Regex EnterS();
    [GeneratedRegex("^" + N + " exited the " + N + "\\.$")] private static partial Regex ExitS();
    [GeneratedRegex("^" + N + " moved the " + N + " to the " + N + "\\.$")] private static partial Regex MoveS();
    [GeneratedRegex("^The " + N + " is in the " + N + "\\.$")] private static partial Regex PlaceS();
    [GeneratedRegex("^" + N + " (likes|loves|hates|dislikes) the " + N + "\\.?$")] private static partial Regex OpinionS();
    [GeneratedRegex("^" + N + " looked inside the " + N + "\\.$")] private static partial Regex PeekS();
    [GeneratedRegex("^" + N + " told " + N + " that the " + N + " is in the " + N + "\\.$")] private static partial Regex TellS();
    [GeneratedRegex("^" + N + " publicly claimed that the " + N + " is in the " + N + "\\.$")] private static partial Regex ClaimS();
}

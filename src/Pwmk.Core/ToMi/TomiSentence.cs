namespace Pwmk.Core.ToMi;

/// <summary>Forms of ToMi sentences (the last two are PWMK extensions written by <see cref="TomiWriter"/> for RoomsWorld stories).</summary>
public enum TomiSentenceKind
{
    /// <summary><c>A entered the R.</c></summary>
    Enter,
    /// <summary><c>A exited the R.</c></summary>
    Exit,
    /// <summary><c>A moved the O to the C.</c></summary>
    Move,
    /// <summary><c>The O is in the C.</c></summary>
    Place,
    /// <summary><c>A likes the X</c> (also loves, hates, dislikes): a distractor with no effect.</summary>
    Opinion,
    /// <summary>A question line with its answer.</summary>
    Question,
    /// <summary><c>A looked inside the C.</c> (extension)</summary>
    Peek,
    /// <summary><c>A told B that the O is in the C.</c> (extension): a private tell.</summary>
    Tell,
    /// <summary><c>A publicly claimed that the O is in the C.</c> (extension, Hi-ToM's form): a public claim.</summary>
    Claim,
}

/// <summary>Kinds of ToMi questions.</summary>
public enum TomiQuestionKind
{
    /// <summary><c>Where was the O at the beginning?</c></summary>
    Memory,
    /// <summary><c>Where is the O really?</c></summary>
    Reality,
    /// <summary><c>Where will A look for the O?</c></summary>
    FirstOrder,
    /// <summary><c>Where does A think that B searches for the O?</c></summary>
    SecondOrder,
}

/// <summary>One numbered line of a ToMi story. Fields a form does not use are null.</summary>
public sealed record TomiSentence(
    int Line,
    int Number,
    TomiSentenceKind Kind,
    string? Agent = null,
    string? Other = null,
    string? Room = null,
    string? Object = null,
    string? Container = null,
    string? Verb = null,
    TomiQuestionKind Question = TomiQuestionKind.Memory,
    string? Answer = null);

/// <summary>A story: sentences numbered from 1, with questions among them (ToMi puts one at the end).</summary>
public sealed record TomiStory(int Index, IReadOnlyList<TomiSentence> Sentences);

/// <summary>Bad ToMi input, with the line and column where it was found.</summary>
public sealed class TomiFormatException(string source, int line, int column, string message)
    : Exception($"{source}:{line}:{column}: {message}")
{
    /// <summary>Name of the file or input the error is in.</summary>
    public string FileName { get; } = source;
    public int Line { get; } = line;
    public int Column { get; } = column;
}

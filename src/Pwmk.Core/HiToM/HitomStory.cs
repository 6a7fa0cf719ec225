namespace Pwmk.Core.HiToM;

/// <summary>Forms of Hi-ToM story sentences.</summary>
public enum HitomSentenceKind
{
    /// <summary><c>A, B and C entered the R.</c>: the order of names is the exit order.</summary>
    Enter,
    /// <summary><c>The O is in the C.</c></summary>
    Place,
    /// <summary><c>A moved the O to the C.</c></summary>
    Move,
    /// <summary><c>A exited the R.</c></summary>
    Exit,
    /// <summary><c>A made no movements and stayed in the R for 1 minute.</c>, <c>A saw a cat.</c>, <c>A likes the X.</c>: no effect.</summary>
    Noise,
    /// <summary><c>A publicly claimed that O is in the C.</c></summary>
    PublicClaim,
    /// <summary><c>A privately told B that the O is in the C.</c></summary>
    PrivateTell,
}

/// <summary>
/// One numbered story line. <see cref="Agents"/> holds the subject (several, in exit order, for
/// <see cref="HitomSentenceKind.Enter"/>; none for <see cref="HitomSentenceKind.Place"/>); fields a form does not use are null.
/// </summary>
public sealed record HitomSentence(
    int Line,
    HitomSentenceKind Kind,
    IReadOnlyList<string> Agents,
    string? Room = null,
    string? Object = null,
    string? Container = null,
    string? Listener = null)
{
    /// <summary>The acting agent (the first named).</summary>
    public string Agent => Agents[0];
}

/// <summary>
/// <c>Where does A think B thinks ... the O is?</c>: <see cref="Chain"/> names the believers outermost first (empty for
/// <c>Where is the O really?</c>); the order of the question is the chain's length.
/// </summary>
public sealed record HitomQuestion(int Line, IReadOnlyList<string> Chain, string Object, string Text)
{
    public int Order => Chain.Count;
}

/// <summary>One question file: the story, the question, its label (<c>Answer:</c>) and the offered choices.</summary>
public sealed record HitomFile(string Source, IReadOnlyList<HitomSentence> Story, HitomQuestion Question, string Label, IReadOnlyList<string> Choices);

/// <summary>Bad Hi-ToM input, with the file, line and column where it was found.</summary>
public sealed class HitomFormatException(string source, int line, int column, string message)
    : Exception($"{source}:{line}:{column}: {message}")
{
    /// <summary>Name of the file or input the error is in.</summary>
    public string FileName { get; } = source;
    public int Line { get; } = line;
    public int Column { get; } = column;
}

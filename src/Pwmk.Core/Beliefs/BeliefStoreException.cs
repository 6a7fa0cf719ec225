namespace Pwmk.Core.Beliefs;

/// <summary>
/// Bad input to a <see cref="BeliefStore"/> (syntax error, non-ground belief, too large or too deeply
/// nested term, refused goal, rejected clause). The store is unchanged when it is thrown.
/// </summary>
public sealed class BeliefStoreException : Exception
{
    public BeliefStoreException(string message, string? source = null, int line = 0, int column = 0, Exception? inner = null)
        : base(Format(message, source, line, column), inner)
    {
        Reason = message;
        Source = source;
        Line = line;
        Column = column;
    }

    /// <summary>The problem, without the position.</summary>
    public string Reason { get; }

    /// <summary>Where the input came from (a file name, or <c>belief</c>, <c>rule</c>, <c>query</c> ...).</summary>
    public new string? Source { get; }

    /// <summary>Line of the problem in the source text (1-based; 0 when unknown).</summary>
    public int Line { get; }

    /// <summary>Column of the problem in the source text (1-based; 0 when unknown).</summary>
    public int Column { get; }

    private static string Format(string message, string? source, int line, int column)
    {
        if (source is null) return message;
        return line > 0 ? $"{source}:{line}:{column}: {message}" : $"{source}: {message}";
    }
}

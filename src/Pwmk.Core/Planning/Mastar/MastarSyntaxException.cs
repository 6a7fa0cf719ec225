namespace Pwmk.Core.Planning.Mastar;

/// <summary>A malformed mA* problem: the message names what is wrong and where (1-based line and column).</summary>
public sealed class MastarSyntaxException : Exception
{
    /// <summary>Creates the error; the message is prefixed with <c>file:line:column</c>.</summary>
    public MastarSyntaxException(string source, int line, int column, string detail)
        : base($"{source}:{line}:{column}: {detail}")
    {
        Source = source;
        Line = line;
        Column = column;
        Detail = detail;
    }

    /// <summary>1-based line of the offending text.</summary>
    public int Line { get; }

    /// <summary>1-based column of the offending text.</summary>
    public int Column { get; }

    /// <summary>The message without the position prefix.</summary>
    public string Detail { get; }
}

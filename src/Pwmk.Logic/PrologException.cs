using Pwmk.Logic.Terms;

namespace Pwmk.Logic;

/// <summary>
/// A Prolog exception that reached the host: <see cref="Ball"/> is the thrown term, for
/// example <c>error(existence_error(procedure, foo/2), foo/2)</c>.
/// </summary>
public sealed class PrologException : Exception
{
    public PrologException(Term ball) : base(Describe(ball)) => Ball = ball;

    /// <summary>The thrown term.</summary>
    public Term Ball { get; }

    /// <summary>How long the query ran before it raised this error (zero when not raised by a query).</summary>
    public TimeSpan Elapsed { get; internal init; }

    /// <summary>The formal part of an <c>error(Formal, Context)</c> ball, else the ball itself.</summary>
    public Term Formal => Ball is Compound { Functor: "error", Arity: 2 } c ? c.Args[0] : Ball;

    /// <summary>
    /// True when the query stopped because the memory budget shared by all running queries (<see cref="MemoryBudget"/>)
    /// was used up, rather than at a limit of its own: the same query may succeed when fewer run.
    /// </summary>
    public bool OutOfSharedMemory { get; internal init; }

    /// <summary>True for resource and time limits (the query was stopped, not wrong).</summary>
    public bool IsLimit => Formal is Compound { Functor: "resource_error" } || Formal is Atom { Name: "time_limit_exceeded" };

    private static string Describe(Term ball)
    {
        string s;
        try { s = ball.ToString(); }
        catch (InvalidOperationException) { s = "(unprintable term)"; }
        if (s.Length > 2000) s = s[..2000] + "...";
        return "Prolog exception: " + s;
    }
}

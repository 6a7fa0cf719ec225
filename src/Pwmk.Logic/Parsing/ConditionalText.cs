using Pwmk.Logic.Terms;

namespace Pwmk.Logic.Parsing;

/// <summary>
/// Conditional compilation while consulting: <c>:- if(G).</c>, <c>:- elif(G).</c>, <c>:- else.</c> and
/// <c>:- endif.</c> choose which clauses and directives of a program text are loaded, as in SWI-Prolog.
/// </summary>
internal sealed class ConditionalText
{
    private enum Branch { Taking, Looking, Done, SkipAll }

    private readonly Stack<(Branch State, int Line, int Column)> _open = new();

    /// <summary>Where the innermost <c>:- if</c> still waiting for its <c>:- endif</c> is (null when none).</summary>
    public (int Line, int Column)? Open => _open.Count == 0 ? null : (_open.Peek().Line, _open.Peek().Column);

    /// <summary>
    /// True when the term read is not to be loaded: a conditional directive (handled here) or a term in a branch
    /// not taken. <paramref name="holds"/> runs the condition of an <c>if</c> or <c>elif</c>.
    /// </summary>
    public bool Skips(ReadResult r, Func<Term, bool> holds)
    {
        bool active = _open.Count == 0 || _open.Peek().State == Branch.Taking;
        if (r.Term is not Compound { Functor: ":-", Arity: 1 } d) return !active;
        switch (d.Args[0])
        {
            case Compound { Functor: "if", Arity: 1 } c:
                _open.Push((!active ? Branch.SkipAll : holds(c.Args[0]) ? Branch.Taking : Branch.Looking, r.Line, r.Column));
                return true;
            case Compound { Functor: "elif", Arity: 1 } c when _open.Count > 0:
                {
                    var (state, line, col) = _open.Pop();
                    state = state switch
                    {
                        Branch.Taking => Branch.Done,
                        Branch.Looking => holds(c.Args[0]) ? Branch.Taking : Branch.Looking,
                        _ => state,
                    };
                    _open.Push((state, line, col));
                    return true;
                }
            case Atom { Name: "else" } when _open.Count > 0:
                {
                    var (state, line, col) = _open.Pop();
                    state = state switch { Branch.Taking => Branch.Done, Branch.Looking => Branch.Taking, _ => state };
                    _open.Push((state, line, col));
                    return true;
                }
            case Atom { Name: "endif" } when _open.Count > 0:
                _open.Pop();
                return true;
            default:
                return !active;
        }
    }
}

using System.Numerics;
using Pwmk.Logic.Terms;

namespace Pwmk.Logic.Solving;

/// <summary>An exception thrown inside the machine (by throw/1 or a built-in); caught by catch/3 or turned into <see cref="PrologException"/>.</summary>
internal sealed class PrologError : Exception
{
    public PrologError(Term ball) : base("prolog error") => Ball = ball;
    public Term Ball { get; }

    /// <summary>True when the process-wide memory budget (not the query's own limit) ran out.</summary>
    public bool OutOfSharedMemory { get; init; }

    private static Term Ctx(string? pi) => pi is null ? new Variable() : new Compound("context", Parse(pi), new Variable());

    private static Term Parse(string pi)
    {
        int k = pi.LastIndexOf('/');
        return new Compound("/", new Atom(pi[..k]), new Integer(BigInteger.Parse(pi[(k + 1)..])));
    }

    public static PrologError Err(Term formal, string? pi = null) => new(new Compound("error", formal, Ctx(pi)));
    public static PrologError Instantiation(string? pi = null) => Err(new Atom("instantiation_error"), pi);
    public static PrologError Type(string type, Term culprit, string? pi = null) => Err(new Compound("type_error", new Atom(type), culprit), pi);
    public static PrologError Domain(string domain, Term culprit, string? pi = null) => Err(new Compound("domain_error", new Atom(domain), culprit), pi);
    public static PrologError Representation(string what, string? pi = null) => Err(new Compound("representation_error", new Atom(what)), pi);
    public static PrologError Evaluation(string what, string? pi = null) => Err(new Compound("evaluation_error", new Atom(what)), pi);
    public static PrologError Resource(string what) => Err(new Compound("resource_error", new Atom(what)));
    public static PrologError Permission(string action, string type, Term culprit, string? pi = null)
        => Err(new Compound("permission_error", new Atom(action), new Atom(type), culprit), pi);
    public static PrologError Existence(string kind, Term culprit, string? pi = null) => Err(new Compound("existence_error", new Atom(kind), culprit), pi);
    public static PrologError ExistenceProcedure(string name, int arity)
    {
        var pi = new Compound("/", new Atom(name), new Integer(arity));
        return new PrologError(new Compound("error", new Compound("existence_error", new Atom("procedure"), pi), pi));
    }
    public static PrologError TimeLimit() => new(new Atom("time_limit_exceeded"));
    public static PrologError Syntax(string msg) => Err(new Compound("syntax_error", new Atom(msg)));
}

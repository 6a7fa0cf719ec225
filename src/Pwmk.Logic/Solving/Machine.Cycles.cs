using Pwmk.Logic.Terms;

namespace Pwmk.Logic.Solving;

/// <summary>
/// Cyclic terms (X = f(X): unification has no occurs check). A term walker counts the compound cells it expands
/// against the cells on the heap: the walk of a tree expands no more than that, so only a cycle or shared subterms get
/// past it, and only then does the walker pay for cycles. Unify, compare and the variable walks go on over a set of
/// compounds (or pairs of compounds) already seen, which makes them exact on cyclic terms (they are rational trees);
/// walkers whose result cannot hold a cycle (copies to records and object terms, the compiler, arithmetic) run the
/// linear cycle check once and raise representation_error(cyclic_term) when there is one.
/// </summary>
internal sealed partial class Machine
{
    /// <summary>How many compound cells a walk may expand before it looks for cycles: the heap's cells.</summary>
    internal long WalkBudget => H + 64L;

    /// <summary>Raises representation_error(cyclic_term) when <paramref name="root"/> is cyclic; else the walk need not look again.</summary>
    internal long RequireAcyclic(long root)
    {
        if (!IsAcyclic(root)) throw PrologError.Representation("cyclic_term");
        return long.MaxValue;
    }

    /// <summary>The binding of the answer variable <paramref name="name"/>; a cyclic one is an error that names it.</summary>
    internal Term AnswerTerm(long cell, Dictionary<int, Variable> map, string name)
    {
        try { return ToTerm(cell, map); }
        catch (PrologError) when (!IsAcyclic(cell))
        {
            var message = new Atom($"the answer binds {name} to a cyclic term, which cannot be written");
            throw new PrologError(new Compound("error", new Compound("representation_error", new Atom("cyclic_term")), new Compound("context", new Variable(), message)));
        }
    }

    /// <summary>
    /// For walks over two terms (unify, compare): true the first time the pair of compounds at <paramref name="pa"/>
    /// and <paramref name="pb"/> comes up. The second time, the pair is already being compared, and going on would
    /// only go round a cycle again.
    /// </summary>
    internal static bool FirstVisit(ref HashSet<long>? seen, int pa, int pb)
    {
        seen ??= [];
        return seen.Add(((long)pa << 32) | (uint)pb);
    }
}

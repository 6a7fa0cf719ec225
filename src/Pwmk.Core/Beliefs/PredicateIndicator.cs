using Pwmk.Logic.Parsing;

namespace Pwmk.Core.Beliefs;

/// <summary>A predicate's name and arity, written <c>name/arity</c> as in Prolog.</summary>
public readonly record struct PredicateIndicator(string Name, int Arity)
{
    /// <summary>Writes <c>name/arity</c>, quoting the name when Prolog needs it.</summary>
    public override string ToString() => TermWriter.QuoteAtomIfNeeded(Name) + "/" + Arity.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

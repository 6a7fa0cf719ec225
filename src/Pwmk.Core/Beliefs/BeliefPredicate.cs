namespace Pwmk.Core.Beliefs;

/// <summary>
/// A predicate declared in a <see cref="BeliefStore"/> (queries on it fail instead of raising an
/// existence error). A functional predicate holds one value per key: <c>at/2</c> functional in its
/// first argument means <c>at(key, room_2)</c> replaces <c>at(key, room_1)</c> inside the same
/// agent's (or belief chain's) beliefs instead of adding a contradiction.
/// </summary>
public sealed class BeliefPredicate
{
    /// <summary>Declares <paramref name="name"/>/<paramref name="arity"/> (not functional).</summary>
    public BeliefPredicate(string name, int arity)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfNegative(arity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(arity, 1024);
        Name = name;
        Arity = arity;
    }

    /// <summary>Declares a predicate functional in the given key arguments (counted from 1, as in <c>arg/3</c>).</summary>
    public static BeliefPredicate Functional(string name, int arity, params int[] keyArguments)
        => new(name, arity) { FunctionalIn = keyArguments };

    /// <summary>The predicate name.</summary>
    public string Name { get; }

    /// <summary>The number of arguments.</summary>
    public int Arity { get; }

    /// <summary>
    /// Key argument positions (from 1). Empty: not functional. The other arguments are the value that
    /// an update replaces. At least one argument must remain a value.
    /// </summary>
    public IReadOnlyList<int> FunctionalIn
    {
        get;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            var seen = new HashSet<int>();
            foreach (int k in value)
            {
                if (k < 1 || k > Arity)
                    throw new ArgumentOutOfRangeException(nameof(FunctionalIn), $"key argument {k} of {Indicator} is outside 1..{Arity}");
                if (!seen.Add(k)) throw new ArgumentException($"key argument {k} of {Indicator} given twice", nameof(FunctionalIn));
            }
            if (value.Count > 0 && value.Count >= Arity)
                throw new ArgumentException($"{Indicator} cannot be functional in all its arguments: no value would remain", nameof(FunctionalIn));
            var sorted = value.ToArray();
            Array.Sort(sorted);
            field = sorted;
        }
    } = [];

    /// <summary>True when the predicate holds one value per key.</summary>
    public bool IsFunctional => FunctionalIn.Count > 0;

    /// <summary>The predicate's <c>name/arity</c>.</summary>
    public PredicateIndicator Indicator => new(Name, Arity);

    /// <inheritdoc/>
    public override string ToString() => IsFunctional ? $"{Indicator} functional in [{string.Join(", ", FunctionalIn)}]" : Indicator.ToString();
}

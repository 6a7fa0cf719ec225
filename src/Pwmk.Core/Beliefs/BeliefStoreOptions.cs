using Pwmk.Logic;

namespace Pwmk.Core.Beliefs;

/// <summary>Limits of a <see cref="BeliefStore"/>.</summary>
public sealed record BeliefStoreOptions
{
    /// <summary>Deepest belief nesting accepted (<c>believes(a, believes(b, p))</c> has depth 2).</summary>
    public int MaxNestingDepth { get; init; } = 8;

    /// <summary>Largest fact, rule or query accepted, in term nodes.</summary>
    public int MaxTermNodes { get; init; } = 100_000;

    /// <summary>Longest text of one belief, fact, rule or query, in characters.</summary>
    public int MaxTextLength { get; init; } = 1_000_000;

    /// <summary>Longest program text (<see cref="BeliefStore.Consult"/>, <see cref="BeliefStore.Load"/>), in characters.</summary>
    public int MaxProgramLength { get; init; } = 256 * 1024 * 1024;

    /// <summary>Limits used by queries that do not pass their own.</summary>
    public QueryOptions Query { get; init; } = new() { Timeout = TimeSpan.FromSeconds(10), MaxSolutions = 10_000, MaxInferences = 200_000_000 };

    /// <summary>The default options.</summary>
    public static BeliefStoreOptions Default { get; } = new();
}

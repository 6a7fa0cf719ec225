namespace Pwmk.Core.Planning.Mastar;

/// <summary>Kinds of mA* formula nodes.</summary>
internal enum FormulaKind
{
    True,
    Literal,
    Not,
    And,
    Or,
    Believes,
    Everyone,
    Common,
    Distributed,
}

/// <summary>
/// An mA* formula node. Nodes are hash-consed by <see cref="FormulaTable"/>: structurally equal
/// formulas share one node and one <see cref="Id"/>, which indexes the per-state evaluation memo.
/// </summary>
internal sealed class MastarFormula
{
    internal MastarFormula(int id, FormulaKind kind, int fluent, bool positive, int[] agents, MastarFormula[] parts)
    {
        Id = id;
        Kind = kind;
        Fluent = fluent;
        Positive = positive;
        Agents = agents;
        Parts = parts;
        var fluentOnly = kind is FormulaKind.True or FormulaKind.Literal or FormulaKind.Not or FormulaKind.And or FormulaKind.Or;
        foreach (var p in parts)
        {
            fluentOnly &= p.IsFluent;
        }
        IsFluent = fluentOnly;
    }

    public int Id { get; }
    public FormulaKind Kind { get; }

    /// <summary>Fluent index of a literal.</summary>
    public int Fluent { get; }

    /// <summary>Sign of a literal.</summary>
    public bool Positive { get; }

    /// <summary>Agent indices of B (one), E, C, D.</summary>
    public int[] Agents { get; }

    /// <summary>Operands (one for Not and the modal operators).</summary>
    public MastarFormula[] Parts { get; }

    /// <summary>True when the formula mentions no belief operator.</summary>
    public bool IsFluent { get; }

    /// <summary>Evaluates a fluent formula on one valuation (bit i = fluent i).</summary>
    public bool Holds(ulong valuation)
    {
        switch (Kind)
        {
            case FormulaKind.True:
                return true;
            case FormulaKind.Literal:
                return ((valuation >> Fluent) & 1UL) == 1UL == Positive;
            case FormulaKind.Not:
                return !Parts[0].Holds(valuation);
            case FormulaKind.And:
                foreach (var p in Parts)
                {
                    if (!p.Holds(valuation))
                    {
                        return false;
                    }
                }
                return true;
            case FormulaKind.Or:
                foreach (var p in Parts)
                {
                    if (p.Holds(valuation))
                    {
                        return true;
                    }
                }
                return false;
            default:
                throw new InvalidOperationException("belief formula evaluated on a single valuation");
        }
    }

    /// <summary>Three-valued evaluation on a partial valuation (known bits in <paramref name="known"/>): null = undecided.</summary>
    public bool? HoldsPartial(ulong valuation, ulong known)
    {
        switch (Kind)
        {
            case FormulaKind.True:
                return true;
            case FormulaKind.Literal:
                if (((known >> Fluent) & 1UL) == 0)
                {
                    return null;
                }
                return ((valuation >> Fluent) & 1UL) == 1UL == Positive;
            case FormulaKind.Not:
                var inner = Parts[0].HoldsPartial(valuation, known);
                return inner is null ? null : !inner.Value;
            case FormulaKind.And:
                {
                    bool? result = true;
                    foreach (var p in Parts)
                    {
                        var v = p.HoldsPartial(valuation, known);
                        if (v == false)
                        {
                            return false;
                        }
                        if (v is null)
                        {
                            result = null;
                        }
                    }
                    return result;
                }
            case FormulaKind.Or:
                {
                    bool? result = false;
                    foreach (var p in Parts)
                    {
                        var v = p.HoldsPartial(valuation, known);
                        if (v == true)
                        {
                            return true;
                        }
                        if (v is null)
                        {
                            result = null;
                        }
                    }
                    return result;
                }
            default:
                throw new InvalidOperationException("belief formula evaluated on a single valuation");
        }
    }

    /// <summary>True when this formula is the negation of <paramref name="other"/> (literal complement or Not).</summary>
    public bool IsNegationOf(MastarFormula other) =>
        (Kind == FormulaKind.Not && ReferenceEquals(Parts[0], other))
        || (other.Kind == FormulaKind.Not && ReferenceEquals(other.Parts[0], this))
        || (Kind == FormulaKind.Literal && other.Kind == FormulaKind.Literal && Fluent == other.Fluent && Positive != other.Positive);

    /// <summary>Renders the formula in mA* syntax.</summary>
    public string ToString(IReadOnlyList<string> fluents, IReadOnlyList<string> agents)
    {
        var sb = new System.Text.StringBuilder();
        Write(sb, fluents, agents);
        return sb.ToString();
    }

    private void Write(System.Text.StringBuilder sb, IReadOnlyList<string> fluents, IReadOnlyList<string> agents)
    {
        switch (Kind)
        {
            case FormulaKind.True:
                sb.Append("true");
                break;
            case FormulaKind.Literal:
                sb.Append(Positive ? "" : "-").Append(fluents[Fluent]);
                break;
            case FormulaKind.Not:
                sb.Append("(-");
                Parts[0].Write(sb, fluents, agents);
                sb.Append(')');
                break;
            case FormulaKind.And:
            case FormulaKind.Or:
                sb.Append('(');
                for (var i = 0; i < Parts.Length; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(Kind == FormulaKind.And ? ", " : " | ");
                    }
                    Parts[i].Write(sb, fluents, agents);
                }
                sb.Append(')');
                break;
            case FormulaKind.Believes:
                sb.Append("B(").Append(agents[Agents[0]]).Append(", ");
                Parts[0].Write(sb, fluents, agents);
                sb.Append(')');
                break;
            default:
                sb.Append(Kind switch { FormulaKind.Everyone => "E", FormulaKind.Common => "C", _ => "D" }).Append("([");
                for (var i = 0; i < Agents.Length; i++)
                {
                    sb.Append(i > 0 ? "," : "").Append(agents[Agents[i]]);
                }
                sb.Append("], ");
                Parts[0].Write(sb, fluents, agents);
                sb.Append(')');
                break;
        }
    }
}

/// <summary>Hash-consing factory of <see cref="MastarFormula"/> nodes for one problem.</summary>
internal sealed class FormulaTable
{
    private readonly Dictionary<string, MastarFormula> _byKey = new(StringComparer.Ordinal);
    private readonly List<MastarFormula> _all = [];

    public int Count => _all.Count;

    /// <summary>The formula with id <paramref name="id"/>.</summary>
    public MastarFormula this[int id] => _all[id];

    public MastarFormula True => Make(FormulaKind.True, -1, true, [], []);

    public MastarFormula Literal(int fluent, bool positive) => Make(FormulaKind.Literal, fluent, positive, [], []);

    public MastarFormula Not(MastarFormula f)
    {
        if (f.Kind == FormulaKind.Literal)
        {
            return Literal(f.Fluent, !f.Positive);
        }
        return f.Kind == FormulaKind.Not ? f.Parts[0] : Make(FormulaKind.Not, -1, true, [], [f]);
    }

    public MastarFormula And(IReadOnlyList<MastarFormula> parts) => Junction(FormulaKind.And, parts);

    public MastarFormula Or(IReadOnlyList<MastarFormula> parts) => Junction(FormulaKind.Or, parts);

    public MastarFormula Modal(FormulaKind kind, int[] agents, MastarFormula inner)
    {
        var sorted = agents.Distinct().Order().ToArray();
        return Make(kind, -1, true, sorted, [inner]);
    }

    private MastarFormula Junction(FormulaKind kind, IReadOnlyList<MastarFormula> parts)
    {
        var flat = new List<MastarFormula>();
        foreach (var p in parts)
        {
            if (p.Kind == kind)
            {
                flat.AddRange(p.Parts);
            }
            else if (!flat.Contains(p))
            {
                flat.Add(p);
            }
        }
        return flat.Count switch
        {
            0 => kind == FormulaKind.And ? True : Not(True),
            1 => flat[0],
            _ => Make(kind, -1, true, [], [.. flat]),
        };
    }

    private MastarFormula Make(FormulaKind kind, int fluent, bool positive, int[] agents, MastarFormula[] parts)
    {
        var key = string.Concat(
            ((int)kind).ToString(System.Globalization.CultureInfo.InvariantCulture), ":",
            fluent.ToString(System.Globalization.CultureInfo.InvariantCulture), positive ? "+" : "-", ":",
            string.Join(",", agents), ":",
            string.Join(",", parts.Select(p => p.Id)));
        if (!_byKey.TryGetValue(key, out var f))
        {
            f = new MastarFormula(_all.Count, kind, fluent, positive, agents, parts);
            _byKey.Add(key, f);
            _all.Add(f);
        }
        return f;
    }
}

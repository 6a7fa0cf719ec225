namespace Pwmk.Core.Planning.Mastar;

/// <summary>
/// Evaluates formulas at the actual world of a <see cref="MastarState"/>: fluent formulas on the actual
/// valuation, the Boolean structure above belief atoms directly, and each belief atom in the part holding
/// its fluents (one <see cref="ModelEvaluator"/> per part, made when first needed, memoised per
/// (subformula, world)). An atom spanning parts (possible only for formulas the problem does not contain,
/// such as a tool's query) is evaluated on the product of the parts.
/// </summary>
internal sealed class StateEvaluator(MastarState state, FluentLayout layout, int formulaCount)
{
    private readonly ModelEvaluator?[] _parts = new ModelEvaluator?[state.Parts.Length];
    private ModelEvaluator? _whole;

    public MastarState State => state;

    /// <summary>Truth of <paramref name="f"/> at the actual world.</summary>
    public bool HoldsAtActual(MastarFormula f)
    {
        if (f.IsFluent)
        {
            return f.Holds(state.ActualValuation);
        }
        switch (f.Kind)
        {
            case FormulaKind.Not:
                return !HoldsAtActual(f.Parts[0]);
            case FormulaKind.And:
                foreach (var p in f.Parts)
                {
                    if (!HoldsAtActual(p))
                    {
                        return false;
                    }
                }
                return true;
            case FormulaKind.Or:
                foreach (var p in f.Parts)
                {
                    if (HoldsAtActual(p))
                    {
                        return true;
                    }
                }
                return false;
            default:
                var part = state.Parts.Length == 1 ? 0 : layout.PartOf(f);
                return part < 0 ? Whole().HoldsAtActual(f) : Part(part).HoldsAtActual(f);
        }
    }

    /// <summary>The evaluator of part <paramref name="index"/>.</summary>
    public ModelEvaluator Part(int index) => _parts[index] ??= new ModelEvaluator(state.Parts[index], formulaCount);

    private ModelEvaluator Whole() => _whole ??= new ModelEvaluator(state.Whole(int.MaxValue), formulaCount);
}

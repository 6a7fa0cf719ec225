namespace Pwmk.Core.Planning.Mastar;

/// <summary>
/// Evaluates formulas on one Kripke model, bottom-up over all worlds, memoised per
/// (subformula, world) through the hash-consed formula ids, so nested beliefs cost
/// linear time in (formula size x model size). Rules: <c>B(a, phi)</c> at w: phi in every
/// a-successor of w (true with none); <c>E(G, phi)</c>: in every one-step G-successor;
/// <c>C(G, phi)</c>: in every world reachable by a G-path of length at least one;
/// <c>D(G, phi)</c>: in every world that is a successor for all agents of G.
/// </summary>
internal sealed class ModelEvaluator(KripkeModel model, int formulaCount)
{
    private bool[]?[] _memo = new bool[]?[formulaCount];

    public KripkeModel Model { get; } = model;

    /// <summary>Truth of <paramref name="f"/> at the actual world.</summary>
    public bool HoldsAtActual(MastarFormula f) =>
        f.IsFluent ? f.Holds(Model.Valuations[Model.Actual]) : Evaluate(f)[Model.Actual];

    /// <summary>Truth of <paramref name="f"/> at every world (do not modify the result).</summary>
    public bool[] Evaluate(MastarFormula f)
    {
        if (f.Id >= _memo.Length)
        {
            Array.Resize(ref _memo, Math.Max(f.Id + 1, _memo.Length * 2)); // formulas made after this evaluator
        }
        if (_memo[f.Id] is { } cached)
        {
            return cached;
        }
        var n = Model.WorldCount;
        var r = new bool[n];
        switch (f.Kind)
        {
            case FormulaKind.True:
                Array.Fill(r, true);
                break;
            case FormulaKind.Literal:
            case FormulaKind.Not when f.IsFluent:
            case FormulaKind.And when f.IsFluent:
            case FormulaKind.Or when f.IsFluent:
                for (var w = 0; w < n; w++)
                {
                    r[w] = f.Holds(Model.Valuations[w]);
                }
                break;
            case FormulaKind.Not:
                {
                    var s = Evaluate(f.Parts[0]);
                    for (var w = 0; w < n; w++)
                    {
                        r[w] = !s[w];
                    }
                    break;
                }
            case FormulaKind.And:
                {
                    Array.Fill(r, true);
                    foreach (var p in f.Parts)
                    {
                        var s = Evaluate(p);
                        for (var w = 0; w < n; w++)
                        {
                            r[w] &= s[w];
                        }
                    }
                    break;
                }
            case FormulaKind.Or:
                foreach (var p in f.Parts)
                {
                    var s = Evaluate(p);
                    for (var w = 0; w < n; w++)
                    {
                        r[w] |= s[w];
                    }
                }
                break;
            case FormulaKind.Believes:
            case FormulaKind.Everyone:
                {
                    // Per shared successor set: do all members satisfy phi?
                    var s = Evaluate(f.Parts[0]);
                    Array.Fill(r, true);
                    foreach (var a in f.Agents)
                    {
                        var ok = SetsAllTrue(a, s);
                        var setOf = Model.SetOf[a];
                        for (var w = 0; w < n; w++)
                        {
                            r[w] &= ok[setOf[w]];
                        }
                    }
                    break;
                }
            case FormulaKind.Common:
                EvaluateCommon(f, r);
                break;
            case FormulaKind.Distributed:
                EvaluateDistributed(f, r);
                break;
        }
        _memo[f.Id] = r;
        return r;
    }

    private bool[] SetsAllTrue(int agent, bool[] s)
    {
        var sets = Model.SetCount(agent);
        var ok = new bool[sets];
        for (var k = 0; k < sets; k++)
        {
            var all = true;
            foreach (var v in Model.Members(agent, k))
            {
                if (!s[v])
                {
                    all = false;
                    break;
                }
            }
            ok[k] = all;
        }
        return ok;
    }

    private void EvaluateCommon(MastarFormula f, bool[] r)
    {
        var n = Model.WorldCount;
        var s = Evaluate(f.Parts[0]);
        // reaches[w]: some G-path of length >= 1 from w ends in a world where phi fails.
        // A set is 'hit' when a member fails phi or reaches such a world; worlds whose set is hit reach.
        var reaches = new bool[n];
        var queue = new Queue<int>();
        var agents = f.Agents;
        var hit = new bool[agents.Length][];
        var containing = new List<int>?[agents.Length][]; // world -> sets containing it
        var holders = new List<int>?[agents.Length][];    // set -> worlds pointing to it
        for (var i = 0; i < agents.Length; i++)
        {
            var a = agents[i];
            var sets = Model.SetCount(a);
            hit[i] = new bool[sets];
            containing[i] = new List<int>?[n];
            holders[i] = new List<int>?[sets];
            for (var k = 0; k < sets; k++)
            {
                foreach (var v in Model.Members(a, k))
                {
                    (containing[i][v] ??= []).Add(k);
                }
            }
            var setOf = Model.SetOf[a];
            for (var w = 0; w < n; w++)
            {
                (holders[i][setOf[w]] ??= []).Add(w);
            }
        }
        void Reach(int v)
        {
            // v fails phi or reaches a failing world: every set containing v is hit.
            for (var i = 0; i < agents.Length; i++)
            {
                if (containing[i][v] is not { } sets)
                {
                    continue;
                }
                foreach (var k in sets)
                {
                    if (hit[i][k])
                    {
                        continue;
                    }
                    hit[i][k] = true;
                    if (holders[i][k] is not { } ws)
                    {
                        continue;
                    }
                    foreach (var w in ws)
                    {
                        if (!reaches[w])
                        {
                            reaches[w] = true;
                            queue.Enqueue(w);
                        }
                    }
                }
            }
        }
        for (var v = 0; v < n; v++)
        {
            if (!s[v])
            {
                Reach(v);
            }
        }
        while (queue.Count > 0)
        {
            Reach(queue.Dequeue());
        }
        for (var w = 0; w < n; w++)
        {
            r[w] = !reaches[w];
        }
    }

    private void EvaluateDistributed(MastarFormula f, bool[] r)
    {
        var n = Model.WorldCount;
        var s = Evaluate(f.Parts[0]);
        var mark = new int[n];
        for (var w = 0; w < n; w++)
        {
            r[w] = true;
            Array.Clear(mark);
            foreach (var a in f.Agents)
            {
                foreach (var v in Model.Successors(a, w))
                {
                    mark[v]++;
                }
            }
            for (var v = 0; v < n; v++)
            {
                if (mark[v] == f.Agents.Length && !s[v])
                {
                    r[w] = false;
                    break;
                }
            }
        }
    }
}

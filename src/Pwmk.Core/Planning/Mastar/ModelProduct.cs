namespace Pwmk.Core.Planning.Mastar;

/// <summary>
/// The synchronous product of Kripke models over disjoint fluents: a world is one world of each factor
/// (its valuation the union of theirs), and agent a's successors of (w1..wk) are all tuples of a-successors
/// (v1..vk). Built from the actual tuple, only what it reaches, then contracted. A state kept as independent
/// parts is bisimilar to the product of its parts; the product is built only when the parts stop being
/// independent in effect (a part where some agent believes a contradiction) or to evaluate a formula that
/// spans parts.
/// </summary>
internal static class ModelProduct
{
    /// <summary>The contracted product of <paramref name="parts"/>; throws <see cref="PlanningLimitException"/> beyond <paramref name="maxWorlds"/>.</summary>
    public static KripkeModel Of(IReadOnlyList<KripkeModel> parts, long maxWorlds)
    {
        if (parts.Count == 1)
        {
            return parts[0];
        }
        var k = parts.Count;
        var agents = parts[0].AgentCount;
        var radix = new long[k];
        long worldsBound = 1;
        for (var i = 0; i < k; i++)
        {
            radix[i] = worldsBound;
            worldsBound = CheckedProduct(worldsBound, parts[i].WorldCount, long.MaxValue / 2);
        }
        var setRadix = new long[agents][];
        for (var a = 0; a < agents; a++)
        {
            setRadix[a] = new long[k];
            long r = 1;
            for (var i = 0; i < k; i++)
            {
                setRadix[a][i] = r;
                r = CheckedProduct(r, parts[i].SetCount(a), long.MaxValue / 2);
            }
        }
        var index = new Dictionary<long, int>();
        var codes = new List<long>();
        var setIds = new Dictionary<long, int>[agents];
        var setOf = new List<int>[agents];
        var setStart = new List<int>[agents];
        var setData = new List<int>[agents];
        for (var a = 0; a < agents; a++)
        {
            setIds[a] = [];
            setOf[a] = [];
            setStart[a] = [0];
            setData[a] = [];
        }
        long stored = 0;
        int Visit(long code)
        {
            if (!index.TryGetValue(code, out var id))
            {
                id = codes.Count;
                if (id >= maxWorlds)
                {
                    throw new PlanningLimitException($"merging independent parts exceeds {maxWorlds} worlds");
                }
                index.Add(code, id);
                codes.Add(code);
            }
            return id;
        }
        long actual = 0;
        for (var i = 0; i < k; i++)
        {
            actual += radix[i] * parts[i].Actual;
        }
        Visit(actual);
        var tuple = new int[k];
        var members = new int[k][];
        var digit = new int[k];
        for (var head = 0; head < codes.Count; head++)
        {
            Decode(codes[head], radix, parts, tuple);
            for (var a = 0; a < agents; a++)
            {
                long setKey = 0;
                for (var i = 0; i < k; i++)
                {
                    setKey += setRadix[a][i] * parts[i].SetOf[a][tuple[i]];
                }
                if (!setIds[a].TryGetValue(setKey, out var set))
                {
                    set = setStart[a].Count - 1;
                    setIds[a].Add(setKey, set);
                    var empty = false;
                    for (var i = 0; i < k; i++)
                    {
                        members[i] = parts[i].Successors(a, tuple[i]).ToArray();
                        empty |= members[i].Length == 0;
                        digit[i] = 0;
                    }
                    var data = setData[a];
                    while (!empty)
                    {
                        long code = 0;
                        for (var i = 0; i < k; i++)
                        {
                            code += radix[i] * members[i][digit[i]];
                        }
                        data.Add(Visit(code));
                        if (++stored > maxWorlds * 4)
                        {
                            throw new PlanningLimitException($"merging independent parts exceeds {maxWorlds * 4} edges");
                        }
                        var pos = 0;
                        while (pos < k && ++digit[pos] == members[pos].Length)
                        {
                            digit[pos++] = 0;
                        }
                        if (pos == k)
                        {
                            break;
                        }
                    }
                    setStart[a].Add(data.Count);
                }
                setOf[a].Add(set);
            }
        }
        var n = codes.Count;
        var vals = new ulong[n];
        for (var w = 0; w < n; w++)
        {
            Decode(codes[w], radix, parts, tuple);
            ulong v = 0;
            for (var i = 0; i < k; i++)
            {
                v |= parts[i].Valuations[tuple[i]];
            }
            vals[w] = v;
        }
        return KripkeModel.Contract(n, vals, 0, setOf, setStart, setData);
    }

    private static void Decode(long code, long[] radix, IReadOnlyList<KripkeModel> parts, int[] tuple)
    {
        for (var i = 0; i < tuple.Length; i++)
        {
            tuple[i] = (int)(code / radix[i] % parts[i].WorldCount);
        }
    }

    private static long CheckedProduct(long x, long y, long cap)
    {
        if (y != 0 && x > cap / y)
        {
            throw new PlanningLimitException($"merging independent parts exceeds {cap} worlds");
        }
        return x * y;
    }
}

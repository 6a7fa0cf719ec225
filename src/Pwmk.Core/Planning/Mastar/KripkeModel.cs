namespace Pwmk.Core.Planning.Mastar;

/// <summary>
/// A pointed Kripke model (an e-state): worlds with a valuation (bit i = fluent i), one accessibility
/// relation per agent and the actual world. Relations are stored as shared successor sets: world w's
/// a-successors are the set <c>SetOf[a][w]</c>, whose members are
/// <c>SetTargets[a][SetOffsets[a][s]..SetOffsets[a][s+1]]</c>. Epistemic models are mostly made of
/// clusters where many worlds share one successor set (complete relations in S5 starts), so this keeps
/// memory and time linear in the number of worlds instead of quadratic.
/// Models produced by <see cref="Contract(int, ulong[], int, int[][], int[][], int[][])"/> are canonical: the bisimulation contraction of the part
/// reachable from the actual world, with worlds and sets numbered by an isomorphism-invariant order,
/// so two states are bisimilar exactly when <see cref="SameAs"/> holds (equal arrays).
/// </summary>
internal sealed class KripkeModel
{
    private KripkeModel(int worldCount, ulong[] valuations, int actual, int[][] setOf, int[][] setOffsets, int[][] setTargets, int rawWorldCount)
    {
        WorldCount = worldCount;
        RawWorldCount = rawWorldCount;
        Valuations = valuations;
        Actual = actual;
        SetOf = setOf;
        SetOffsets = setOffsets;
        SetTargets = setTargets;
        var h = new HashCode();
        h.Add(worldCount);
        h.Add(actual);
        h.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(valuations.AsSpan()));
        for (var a = 0; a < setOf.Length; a++)
        {
            h.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(setOf[a].AsSpan()));
            h.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(setOffsets[a].AsSpan()));
            h.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(setTargets[a].AsSpan()));
        }
        Hash = h.ToHashCode();
        var serial = true;
        long targets = 0;
        for (var a = 0; a < setOf.Length; a++)
        {
            var off = setOffsets[a];
            for (var s = 0; s + 1 < off.Length && serial; s++)
            {
                serial = off[s + 1] > off[s];
            }
            targets += setTargets[a].Length + off.Length + setOf[a].Length;
        }
        IsSerial = serial;
        Bytes = 96 + (8L * worldCount) + (4 * targets) + (40L * setOf.Length);
    }

    /// <summary>True when every world has at least one successor for every agent (no agent believes a contradiction anywhere).</summary>
    public bool IsSerial { get; }

    /// <summary>Approximate heap bytes of the model (arrays and headers).</summary>
    public long Bytes { get; }

    public int WorldCount { get; }

    /// <summary>Worlds of the model this one was contracted from (the product update before contraction).</summary>
    public int RawWorldCount { get; }
    public ulong[] Valuations { get; }
    public int Actual { get; }
    public int[][] SetOf { get; }
    public int[][] SetOffsets { get; }
    public int[][] SetTargets { get; }
    public int AgentCount => SetOf.Length;

    public int Hash { get; }

    /// <summary>Equality of canonical models: true exactly when the two pointed models are bisimilar.</summary>
    public bool SameAs(KripkeModel other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }
        if (Hash != other.Hash || WorldCount != other.WorldCount || Actual != other.Actual || AgentCount != other.AgentCount
            || !Valuations.AsSpan().SequenceEqual(other.Valuations))
        {
            return false;
        }
        for (var a = 0; a < AgentCount; a++)
        {
            if (!SetOf[a].AsSpan().SequenceEqual(other.SetOf[a]) || !SetOffsets[a].AsSpan().SequenceEqual(other.SetOffsets[a])
                || !SetTargets[a].AsSpan().SequenceEqual(other.SetTargets[a]))
            {
                return false;
            }
        }
        return true;
    }

    public int SetCount(int agent) => SetOffsets[agent].Length - 1;

    public ReadOnlySpan<int> Members(int agent, int set) =>
        SetTargets[agent].AsSpan(SetOffsets[agent][set], SetOffsets[agent][set + 1] - SetOffsets[agent][set]);

    public ReadOnlySpan<int> Successors(int agent, int world) => Members(agent, SetOf[agent][world]);

    /// <summary>
    /// Builds the canonical contracted model of a raw model. Partition refinement with canonical
    /// colours: round 0 colours worlds by the rank of their valuation; each round ranks every
    /// successor set by its sorted list of member colours, then colours each world by the rank of
    /// (own colour, set rank per agent); stops when the number of colours is stable. The final colours
    /// are the bisimulation classes, numbered canonically.
    /// </summary>
    public static KripkeModel Contract(int n, ulong[] vals, int actual, int[][] setOf, int[][] setOffsets, int[][] setTargets)
    {
        var agents = setOf.Length;
        // 1. Part reachable from the actual world; each set is scanned once.
        var map = new int[n];
        Array.Fill(map, -1);
        var order = new List<int>();
        var setMap = new int[agents][];
        var setOrder = new List<int>[agents];
        for (var a = 0; a < agents; a++)
        {
            setMap[a] = new int[setOffsets[a].Length - 1];
            Array.Fill(setMap[a], -1);
            setOrder[a] = [];
        }
        map[actual] = 0;
        order.Add(actual);
        for (var head = 0; head < order.Count; head++)
        {
            var w = order[head];
            for (var a = 0; a < agents; a++)
            {
                var s = setOf[a][w];
                if (setMap[a][s] >= 0)
                {
                    continue;
                }
                setMap[a][s] = setOrder[a].Count;
                setOrder[a].Add(s);
                var off = setOffsets[a];
                var tg = setTargets[a];
                for (var k = off[s]; k < off[s + 1]; k++)
                {
                    var v = tg[k];
                    if (map[v] < 0)
                    {
                        map[v] = order.Count;
                        order.Add(v);
                    }
                }
            }
        }
        var m = order.Count;
        var val = new ulong[m];
        for (var i = 0; i < m; i++)
        {
            val[i] = vals[order[i]];
        }
        var lSetOf = new int[agents][];
        var lOff = new int[agents][];
        var lTg = new int[agents][];
        for (var a = 0; a < agents; a++)
        {
            var so = new int[m];
            for (var i = 0; i < m; i++)
            {
                so[i] = setMap[a][setOf[a][order[i]]];
            }
            lSetOf[a] = so;
            var sets = setOrder[a];
            var o = new int[sets.Count + 1];
            var total = 0;
            for (var j = 0; j < sets.Count; j++)
            {
                o[j] = total;
                total += setOffsets[a][sets[j] + 1] - setOffsets[a][sets[j]];
            }
            o[sets.Count] = total;
            var t = new int[total];
            var p = 0;
            for (var j = 0; j < sets.Count; j++)
            {
                for (var k = setOffsets[a][sets[j]]; k < setOffsets[a][sets[j] + 1]; k++)
                {
                    t[p++] = map[setTargets[a][k]];
                }
            }
            lOff[a] = o;
            lTg[a] = t;
        }
        // 2. Canonical partition refinement.
        var color = new int[m];
        var idx = new int[m];
        for (var i = 0; i < m; i++)
        {
            idx[i] = i;
        }
        var sortKeys = new ulong[m];
        Array.Copy(val, sortKeys, m);
        Array.Sort(sortKeys, idx);
        var colors = 0;
        for (var i = 0; i < m; i++)
        {
            if (i > 0 && val[idx[i]] != val[idx[i - 1]])
            {
                colors++;
            }
            color[idx[i]] = colors;
        }
        colors++;
        var listStart = new int[agents][];
        var listData = new int[agents][];
        var setRank = new int[agents][];
        var listCount = new int[agents];
        var tuple = new int[m * (agents + 1)];
        var width = agents + 1;
        while (true)
        {
            for (var a = 0; a < agents; a++)
            {
                (listStart[a], listData[a], setRank[a], listCount[a]) = RankSets(lOff[a], lTg[a], color);
            }
            if (colors == m)
            {
                break; // discrete partition (common: all valuations differ): nothing left to split
            }
            for (var i = 0; i < m; i++)
            {
                tuple[i * width] = color[i];
                for (var a = 0; a < agents; a++)
                {
                    tuple[(i * width) + 1 + a] = setRank[a][lSetOf[a][i]];
                }
            }
            // Sort worlds by tuple: packed into one ulong key when the numbers fit (the usual case).
            var bits = 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)Math.Max(m, 1));
            if (bits * width <= 64)
            {
                for (var i = 0; i < m; i++)
                {
                    ulong k = 0;
                    for (var j = 0; j < width; j++)
                    {
                        k = (k << bits) | (uint)tuple[(i * width) + j];
                    }
                    sortKeys[i] = k;
                    idx[i] = i;
                }
                Array.Sort(sortKeys, idx);
            }
            else
            {
                Array.Sort(idx, (x, y) => tuple.AsSpan(x * width, width).SequenceCompareTo(tuple.AsSpan(y * width, width)));
            }
            var newColor = new int[m];
            var nc = 0;
            for (var i = 0; i < m; i++)
            {
                if (i > 0 && !tuple.AsSpan(idx[i] * width, width).SequenceEqual(tuple.AsSpan(idx[i - 1] * width, width)))
                {
                    nc++;
                }
                newColor[idx[i]] = nc;
            }
            nc++;
            var stable = nc == colors;
            color = newColor;
            colors = nc;
            if (stable)
            {
                break;
            }
        }
        // 3. The quotient. Colour numbering did not change in the last round (old colour is the
        // primary sort key and no class split), so the set lists are in final colours.
        var reps = new int[colors];
        for (var i = 0; i < m; i++)
        {
            reps[color[i]] = i;
        }
        var qSetOf = new int[agents][];
        var qOff = new int[agents][];
        var qTg = new int[agents][];
        for (var a = 0; a < agents; a++)
        {
            // Lists in rank order: the first set seen with each rank.
            var lists = listCount[a];
            var first = new int[lists];
            Array.Fill(first, -1);
            for (var s = 0; s < setRank[a].Length; s++)
            {
                if (first[setRank[a][s]] < 0)
                {
                    first[setRank[a][s]] = s;
                }
            }
            var o = new int[lists + 1];
            var data = new List<int>();
            for (var r = 0; r < lists; r++)
            {
                o[r] = data.Count;
                var s = first[r];
                var span = listData[a].AsSpan(listStart[a][s], listStart[a][s + 1] - listStart[a][s]);
                foreach (var c in span)
                {
                    data.Add(c);
                }
            }
            o[lists] = data.Count;
            qOff[a] = o;
            qTg[a] = [.. data];
            var so = new int[colors];
            for (var c = 0; c < colors; c++)
            {
                so[c] = setRank[a][lSetOf[a][reps[c]]];
            }
            qSetOf[a] = so;
        }
        var qVal = new ulong[colors];
        for (var c = 0; c < colors; c++)
        {
            qVal[c] = val[reps[c]];
        }
        return new KripkeModel(colors, qVal, color[0], qSetOf, qOff, qTg, n);
    }

    /// <summary><see cref="Contract(int, ulong[], int, int[][], int[][], int[][])"/> of relations built in lists (per agent: each world's set, set starts, set members).</summary>
    public static KripkeModel Contract(int n, ulong[] vals, int actual, List<int>[] setOf, List<int>[] setStart, List<int>[] setData)
    {
        var agents = setOf.Length;
        var so = new int[agents][];
        var off = new int[agents][];
        var tg = new int[agents][];
        for (var a = 0; a < agents; a++)
        {
            so[a] = [.. setOf[a]];
            off[a] = [.. setStart[a]];
            tg[a] = [.. setData[a]];
        }
        return Contract(n, vals, actual, so, off, tg);
    }

    /// <summary>
    /// One agent's relation as shared successor sets when it is an equivalence: worlds with equal
    /// <paramref name="classOf"/> keys see each other (and themselves). Returns each world's set, the set starts and members.
    /// </summary>
    public static (int[] SetOf, int[] Offsets, int[] Targets) Classes<TKey>(int n, Func<int, TKey> classOf)
        where TKey : notnull
    {
        var index = new Dictionary<TKey, int>();
        var members = new List<List<int>>();
        var so = new int[n];
        for (var w = 0; w < n; w++)
        {
            var key = classOf(w);
            if (!index.TryGetValue(key, out var c))
            {
                c = members.Count;
                index.Add(key, c);
                members.Add([]);
            }
            members[c].Add(w);
            so[w] = c;
        }
        var off = new int[members.Count + 1];
        var tg = new List<int>(n);
        for (var c = 0; c < members.Count; c++)
        {
            off[c] = tg.Count;
            tg.AddRange(members[c]);
        }
        off[members.Count] = tg.Count;
        return (so, off, [.. tg]);
    }

    /// <summary>Sorted distinct member colours of every set, and each set's rank among those lists.</summary>
    private static (int[] Start, int[] Data, int[] Rank, int Count) RankSets(int[] off, int[] tg, int[] color)
    {
        var sets = off.Length - 1;
        var start = new int[sets + 1];
        var data = new List<int>(tg.Length);
        // Distinct colours first (stamp per set), then sort only those: sets are large, colours few.
        var stamp = new int[color.Length == 0 ? 1 : color.Length];
        var buf = new List<int>();
        for (var s = 0; s < sets; s++)
        {
            start[s] = data.Count;
            buf.Clear();
            for (var k = off[s]; k < off[s + 1]; k++)
            {
                var c = color[tg[k]];
                if (stamp[c] != s + 1)
                {
                    stamp[c] = s + 1;
                    buf.Add(c);
                }
            }
            buf.Sort();
            data.AddRange(buf);
        }
        start[sets] = data.Count;
        var d = data.ToArray();
        var idx = new int[sets];
        for (var s = 0; s < sets; s++)
        {
            idx[s] = s;
        }
        Array.Sort(idx, (x, y) => d.AsSpan(start[x], start[x + 1] - start[x]).SequenceCompareTo(d.AsSpan(start[y], start[y + 1] - start[y])));
        var rank = new int[sets];
        var r = 0;
        for (var i = 0; i < sets; i++)
        {
            if (i > 0 && !d.AsSpan(start[idx[i]], start[idx[i] + 1] - start[idx[i]]).SequenceEqual(d.AsSpan(start[idx[i - 1]], start[idx[i - 1] + 1] - start[idx[i - 1]])))
            {
                r++;
            }
            rank[idx[i]] = r;
        }
        return (start, d, rank, sets == 0 ? 0 : r + 1);
    }
}

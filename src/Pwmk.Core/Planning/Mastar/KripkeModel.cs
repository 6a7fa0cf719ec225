namespace Pwmk.Core.Planning.Mastar;

/// <summary>
/// A pointed Kripke model (an e-state): worlds with a valuation (bit i = fluent i), one accessibility
/// relation per agent (compressed rows: successors of world w are
/// <c>Targets[a][Offsets[a][w]..Offsets[a][w+1]]</c>) and the actual world. Models produced by
/// <see cref="Contract"/> are canonical: the bisimulation contraction of the part reachable from
/// the actual world, with worlds numbered by an isomorphism-invariant order, so two states are
/// bisimilar exactly when their <see cref="Key"/> arrays are equal.
/// </summary>
internal sealed class KripkeModel
{
    private KripkeModel(int worldCount, ulong[] valuations, int actual, int[][] offsets, int[][] targets, int[] key)
    {
        WorldCount = worldCount;
        Valuations = valuations;
        Actual = actual;
        Offsets = offsets;
        Targets = targets;
        Key = key;
        var h = new HashCode();
        h.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(key.AsSpan()));
        Hash = h.ToHashCode();
    }

    public int WorldCount { get; }
    public ulong[] Valuations { get; }
    public int Actual { get; }
    public int[][] Offsets { get; }
    public int[][] Targets { get; }
    public int AgentCount => Offsets.Length;

    /// <summary>Canonical encoding: equal keys = bisimilar pointed models.</summary>
    public int[] Key { get; }
    public int Hash { get; }

    public ReadOnlySpan<int> Successors(int agent, int world) =>
        Targets[agent].AsSpan(Offsets[agent][world], Offsets[agent][world + 1] - Offsets[agent][world]);

    /// <summary>
    /// Builds the canonical contracted model of a raw model given as per-agent CSR relations.
    /// Partition refinement with canonical colours: round 0 colours worlds by the rank of their
    /// valuation; each round colours a world by the rank of its signature (own colour, then per agent
    /// the sorted set of successor colours); stops when the number of colours is stable. The final
    /// colours are the bisimulation classes, numbered canonically.
    /// </summary>
    public static KripkeModel Contract(int n, ulong[] vals, int actual, int[][] offsets, int[][] targets)
    {
        var agents = offsets.Length;
        // 1. Part reachable from the actual world.
        var map = new int[n];
        Array.Fill(map, -1);
        var order = new int[n];
        var count = 0;
        map[actual] = 0;
        order[count++] = actual;
        for (var head = 0; head < count; head++)
        {
            var w = order[head];
            for (var a = 0; a < agents; a++)
            {
                var off = offsets[a];
                var tg = targets[a];
                for (var k = off[w]; k < off[w + 1]; k++)
                {
                    var v = tg[k];
                    if (map[v] < 0)
                    {
                        map[v] = count;
                        order[count++] = v;
                    }
                }
            }
        }
        // 2. Reachable copy in CSR with local indices.
        var m = count;
        var val = new ulong[m];
        var rOff = new int[agents][];
        var rTg = new int[agents][];
        for (var i = 0; i < m; i++)
        {
            val[i] = vals[order[i]];
        }
        for (var a = 0; a < agents; a++)
        {
            var off = offsets[a];
            var tg = targets[a];
            var o = new int[m + 1];
            var total = 0;
            for (var i = 0; i < m; i++)
            {
                o[i] = total;
                total += off[order[i] + 1] - off[order[i]];
            }
            o[m] = total;
            var t = new int[total];
            for (var i = 0; i < m; i++)
            {
                var w = order[i];
                var p = o[i];
                for (var k = off[w]; k < off[w + 1]; k++)
                {
                    t[p++] = map[tg[k]];
                }
            }
            rOff[a] = o;
            rTg[a] = t;
        }
        // 3. Canonical partition refinement.
        var color = new int[m];
        var idx = new int[m];
        for (var i = 0; i < m; i++)
        {
            idx[i] = i;
        }
        Array.Sort(idx, (x, y) => val[x].CompareTo(val[y]));
        var colors = 0;
        for (var i = 0; i < m; i++)
        {
            if (i > 0 && val[idx[i]] != val[idx[i - 1]])
            {
                colors++;
            }
            color[idx[i]] = colors;
        }
        colors = m == 0 ? 0 : colors + 1;
        var sigStart = new int[m + 1];
        var sig = new List<int>(m * (agents + 2));
        var buf = new List<int>();
        while (true)
        {
            sig.Clear();
            for (var i = 0; i < m; i++)
            {
                sigStart[i] = sig.Count;
                sig.Add(color[i]);
                for (var a = 0; a < agents; a++)
                {
                    buf.Clear();
                    var o = rOff[a];
                    var t = rTg[a];
                    for (var k = o[i]; k < o[i + 1]; k++)
                    {
                        buf.Add(color[t[k]]);
                    }
                    buf.Sort();
                    var lenPos = sig.Count;
                    sig.Add(0);
                    var prev = -1;
                    var len = 0;
                    foreach (var c in buf)
                    {
                        if (c != prev)
                        {
                            sig.Add(c);
                            prev = c;
                            len++;
                        }
                    }
                    sig[lenPos] = len;
                }
            }
            sigStart[m] = sig.Count;
            var sigArr = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(sig).ToArray();
            Array.Sort(idx, (x, y) => CompareSig(sigArr, sigStart, x, y));
            var newColor = new int[m];
            var nc = 0;
            for (var i = 0; i < m; i++)
            {
                if (i > 0 && CompareSig(sigArr, sigStart, idx[i], idx[i - 1]) != 0)
                {
                    nc++;
                }
                newColor[idx[i]] = nc;
            }
            nc = m == 0 ? 0 : nc + 1;
            var stable = nc == colors;
            color = newColor;
            colors = nc;
            if (stable)
            {
                // 4. Emit the quotient: one world per colour, successors from the signature.
                var reps = new int[colors];
                for (var i = 0; i < m; i++)
                {
                    reps[color[i]] = i;
                }
                var key = new List<int> { colors, color[0], agents };
                var qVal = new ulong[colors];
                for (var c = 0; c < colors; c++)
                {
                    var r = reps[c];
                    qVal[c] = val[r];
                    key.Add((int)val[r]);
                    key.Add((int)(val[r] >> 32));
                    for (var p = sigStart[r] + 1; p < sigStart[r + 1]; p++)
                    {
                        key.Add(sigArr[p]);
                    }
                }
                var qOff = new int[agents][];
                var qTg = new int[agents][];
                for (var a = 0; a < agents; a++)
                {
                    qOff[a] = new int[colors + 1];
                }
                var lists = new List<int>[agents];
                for (var a = 0; a < agents; a++)
                {
                    lists[a] = [];
                }
                for (var c = 0; c < colors; c++)
                {
                    var r = reps[c];
                    var p = sigStart[r] + 1;
                    for (var a = 0; a < agents; a++)
                    {
                        qOff[a][c] = lists[a].Count;
                        var len = sigArr[p++];
                        for (var k = 0; k < len; k++)
                        {
                            lists[a].Add(sigArr[p++]);
                        }
                    }
                }
                for (var a = 0; a < agents; a++)
                {
                    qOff[a][colors] = lists[a].Count;
                    qTg[a] = [.. lists[a]];
                }
                return new KripkeModel(colors, qVal, color[0], qOff, qTg, [.. key]);
            }
        }
    }

    private static int CompareSig(int[] sig, int[] start, int x, int y)
    {
        var a = sig.AsSpan(start[x], start[x + 1] - start[x]);
        var b = sig.AsSpan(start[y], start[y + 1] - start[y]);
        return a.SequenceCompareTo(b);
    }

    /// <summary>Builds a canonical model from per-agent edge lists (used by tests and the initial state).</summary>
    public static KripkeModel FromEdges(ulong[] vals, int actual, IReadOnlyList<IReadOnlyList<(int From, int To)>> edges)
    {
        var n = vals.Length;
        var offsets = new int[edges.Count][];
        var targets = new int[edges.Count][];
        for (var a = 0; a < edges.Count; a++)
        {
            (offsets[a], targets[a]) = ToCsr(n, edges[a]);
        }
        return Contract(n, vals, actual, offsets, targets);
    }

    internal static (int[] Offsets, int[] Targets) ToCsr(int n, IReadOnlyList<(int From, int To)> edges)
    {
        var off = new int[n + 1];
        foreach (var (f, _) in edges)
        {
            off[f + 1]++;
        }
        for (var i = 0; i < n; i++)
        {
            off[i + 1] += off[i];
        }
        var fill = (int[])off.Clone();
        var tg = new int[edges.Count];
        foreach (var (f, t) in edges)
        {
            tg[fill[f]++] = t;
        }
        return (off, tg);
    }
}

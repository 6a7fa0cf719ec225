using System.Text;

namespace Pwmk.Bench.Beliefs;

/// <summary>
/// The data of the belief-store workloads of the SWI-Prolog benchmark (its <c>common.pl</c>), recreated from the
/// generator documented there: the same facts and the same queries, written as Prolog text.
/// </summary>
internal static class BeliefData
{
    /// <summary>The portable PRNG of common.pl.</summary>
    private sealed class Prng(long seed)
    {
        private long _state = seed;
        public int Next(int n)
        {
            _state = (_state * 1103515245 + 12345) % 2147483648L;
            return (int)((_state >> 8) % n);
        }
    }

    /// <summary>
    /// Writes into <paramref name="dir"/> the 156,000 facts (facts.pl) and the three query lists (queries.pl:
    /// <c>bench_q1/1</c>, <c>bench_q2/1</c>, <c>bench_q3/1</c>), exactly as common.pl makes them; both engines consult
    /// these two files.
    /// </summary>
    public static void Write(string dir)
    {
        var sb = new StringBuilder(12 << 20);
        var f1 = new Prng(1);
        for (int i = 0; i < 100; i++)
            for (int j = 0; j < 1000; j++)
            {
                sb.Append("believes(agent_").Append(i).Append(", at(obj_").Append(j).Append(", room_").Append(f1.Next(50)).Append(")).\n");
            }
        var tuples = Tuples();
        foreach (var (i, l, j, k) in tuples)
        {
            sb.Append("believes(agent_").Append(i).Append(", believes(agent_").Append(l).Append(", at(obj_").Append(j).Append(", room_").Append(k).Append("))).\n");
        }
        var g = new Prng(3);
        for (int x = 0; x < 2000; x++)
            for (int r = 0; r < 3; r++)
            {
                sb.Append("edge(room_").Append(x).Append(", room_").Append(g.Next(2000)).Append(").\n");
            }
        var q = new StringBuilder(8 << 20);
        var q1 = new Prng(4);
        q.Append("bench_q1([");
        for (int n = 0; n < 100_000; n++)
        {
            if (n > 0) q.Append(',');
            int a = q1.Next(100), o = q1.Next(1000);
            q.Append("q(agent_").Append(a).Append(",obj_").Append(o).Append(')');
        }
        q.Append("]).\nbench_q2([");
        for (int n = 0; n < 1000; n++)
        {
            if (n > 0) q.Append(',');
            q.Append("agent_").Append(n % 100);
        }
        q.Append("]).\nbench_q3([");
        var q3 = new Prng(5);
        for (int n = 0; n < 10_000; n++)
        {
            if (n > 0) q.Append(',');
            int a, b, o;
            if (n % 2 == 0)
            {
                var t = tuples[q3.Next(50_000)];
                (a, b, o) = (t.I, t.L, t.J);
            }
            else
            {
                a = q3.Next(100);
                b = q3.Next(100);
                o = q3.Next(1000);
            }
            q.Append("q(agent_").Append(a).Append(",agent_").Append(b).Append(",obj_").Append(o).Append(')');
        }
        q.Append("]).\n");
        File.WriteAllText(Path.Combine(dir, "facts.pl"), sb.ToString());
        File.WriteAllText(Path.Combine(dir, "queries.pl"), q.ToString());
    }

    private static List<(int I, int L, int J, int K)> Tuples()
    {
        var f2 = new Prng(2);
        var list = new List<(int, int, int, int)>(50_000);
        for (int n = 0; n < 50_000; n++)
        {
            int l = f2.Next(100), j = f2.Next(1000), k = f2.Next(50);
            list.Add((n / 500, l, j, k));
        }
        return list;
    }
}

using System.IO.Compression;
using Pwmk.Core.Storage;

namespace Pwmk.Core.WorldModel;

/// <summary>
/// Episodes of multi-agent trajectories with belief targets, stored as a NumPy <c>.npz</c> archive
/// (<c>numpy.load(path)</c> reads it). Arrays (E episodes, T steps, N agents):
/// <c>observations</c> float32 (E, T+1, N, obs); <c>actions</c> int32 (E, T, N); <c>beliefs</c> float32 (E, T+1, N, B);
/// <c>world_truth</c> float32 (E, T+1, B); <c>lengths</c> int32 (E) valid transitions per episode (the rest is padding);
/// <c>belief_orders</c> int32 (G), optional: the order of each of an agent's G belief groups (1 own belief, 2 about
/// another agent's belief, ...; absent means all order 1); <c>episodes</c> int32 (E), optional: the simulation's
/// number of each episode (in the shards <c>pwmk simulate --out</c> writes).
/// </summary>
public sealed class TrajectoryDataset
{
    /// <summary>Largest archive member accepted when loading (bytes).</summary>
    public const long MaxArrayBytes = 1L << 30;

    /// <summary>Creates a dataset over the given arrays (checked against the sizes; kept compactly, see <see cref="SparseRows"/>).</summary>
    public TrajectoryDataset(int episodes, int steps, int agents, int observationSize, int numBeliefs,
        float[] observations, int[] actions, float[] beliefs, float[] worldTruth, int[] lengths, int[]? beliefGroupOrders = null)
        : this(episodes, steps, agents, observationSize, numBeliefs,
            Rows(observations, (long)episodes * (steps + 1), agents * observationSize, "observations"), actions,
            Rows(beliefs, (long)episodes * (steps + 1), agents * numBeliefs, "beliefs"),
            Rows(worldTruth, (long)episodes * (steps + 1), numBeliefs, "world_truth"), lengths, beliefGroupOrders)
    {
    }

    internal TrajectoryDataset(int episodes, int steps, int agents, int observationSize, int numBeliefs,
        SparseRows observations, int[] actions, SparseRows beliefs, SparseRows worldTruth, int[] lengths, int[]? beliefGroupOrders)
    {
        Episodes = episodes;
        Steps = steps;
        Agents = agents;
        ObservationSize = observationSize;
        NumBeliefs = numBeliefs;
        Observations = observations;
        Actions = actions;
        Beliefs = beliefs;
        WorldTruth = worldTruth;
        Lengths = lengths;
        long rows = (long)episodes * (steps + 1);
        Expect(observations, rows, agents * observationSize, "observations");
        Expect(actions.Length, (long)episodes * steps * agents, "actions");
        Expect(beliefs, rows, agents * numBeliefs, "beliefs");
        Expect(worldTruth, rows, numBeliefs, "world_truth");
        Expect(lengths.Length, episodes, "lengths");
        if (beliefGroupOrders is not null)
        {
            if (beliefGroupOrders.Length == 0 || numBeliefs % beliefGroupOrders.Length != 0)
            {
                throw new InvalidModelFileException($"belief_orders: {beliefGroupOrders.Length} groups do not divide {numBeliefs} beliefs");
            }
            foreach (var o in beliefGroupOrders)
            {
                if (o < 1 || o > 64)
                {
                    throw new InvalidModelFileException($"belief_orders: order {o} is outside 1..64");
                }
            }
        }
        BeliefGroupOrders = beliefGroupOrders;
        for (int e = 0; e < episodes; e++)
        {
            if (lengths[e] < 0 || lengths[e] > steps)
            {
                throw new InvalidModelFileException($"lengths[{e}] = {lengths[e]} is outside 0..{steps}");
            }
        }
    }

    private static SparseRows Rows(float[] dense, long rows, int width, string name)
    {
        Expect(dense.Length, rows * width, name);
        return SparseRows.FromDense(dense, rows, width, DataCollector.MaxValues);
    }

    private static void Expect(SparseRows rows, long count, int width, string name)
    {
        if (rows.Width != width || rows.Rows != count)
        {
            throw new InvalidModelFileException($"{name}: {rows.Rows} rows of {rows.Width} values, expected {count} of {width} for the dataset's sizes");
        }
    }

    private static void Expect(long actual, long expected, string name)
    {
        if (actual != expected)
        {
            throw new InvalidModelFileException($"{name}: {actual} values, expected {expected} for the dataset's sizes");
        }
    }

    /// <summary>Number of episodes.</summary>
    public int Episodes { get; }

    /// <summary>Transitions per episode (padded length).</summary>
    public int Steps { get; }

    /// <summary>Agents.</summary>
    public int Agents { get; }

    /// <summary>Values per observation.</summary>
    public int ObservationSize { get; }

    /// <summary>Belief predicates per agent.</summary>
    public int NumBeliefs { get; }

    /// <summary>The order of each belief group of one agent (null: every group is order 1).</summary>
    public int[]? BeliefGroupOrders { get; }

    /// <summary>Per step (E x (T+1) rows): every agent's observation [N, obs].</summary>
    internal SparseRows Observations { get; }
    internal int[] Actions { get; }

    /// <summary>Per step: every agent's belief targets [N, beliefs].</summary>
    internal SparseRows Beliefs { get; }

    /// <summary>Per step: the world truth [beliefs].</summary>
    internal SparseRows WorldTruth { get; }
    internal int[] Lengths { get; }

    /// <summary>Total valid transitions.</summary>
    public int Transitions
    {
        get
        {
            int n = 0;
            foreach (var l in Lengths)
            {
                n += l;
            }
            return n;
        }
    }

    /// <summary>Observations of every agent at step <paramref name="t"/> of episode <paramref name="e"/>, [N, obs] (a copy).</summary>
    public ReadOnlySpan<float> Observation(int e, int t) => Copy(Observations, e, t);

    /// <summary>Joint action taken at step <paramref name="t"/> of episode <paramref name="e"/>, [N].</summary>
    public ReadOnlySpan<int> Action(int e, int t) => Actions.AsSpan(((e * Steps) + t) * Agents, Agents);

    /// <summary>Belief targets of every agent at step <paramref name="t"/> of episode <paramref name="e"/>, [N, beliefs] (a copy).</summary>
    public ReadOnlySpan<float> Belief(int e, int t) => Copy(Beliefs, e, t);

    /// <summary>Whether each belief predicate holds at step <paramref name="t"/> of episode <paramref name="e"/> (a copy).</summary>
    public ReadOnlySpan<float> Truth(int e, int t) => Copy(WorldTruth, e, t);

    /// <summary>The row of step <paramref name="t"/> of episode <paramref name="e"/> in the per-step arrays.</summary>
    internal int Row(int e, int t) => (e * (Steps + 1)) + t;

    private float[] Copy(SparseRows rows, int e, int t)
    {
        var into = new float[rows.Width];
        rows.Read(Row(e, t), into);
        return into;
    }

    /// <summary>Episodes [start, start+count) as a new dataset.</summary>
    public TrajectoryDataset Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > Episodes)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"episodes [{start}, {start + count}) outside 0..{Episodes}");
        }
        int rows = Steps + 1, a = Steps * Agents;
        return new TrajectoryDataset(count, Steps, Agents, ObservationSize, NumBeliefs,
            Observations.Slice(start * rows, count * rows),
            Actions.AsSpan(start * a, count * a).ToArray(),
            Beliefs.Slice(start * rows, count * rows),
            WorldTruth.Slice(start * rows, count * rows),
            Lengths.AsSpan(start, count).ToArray(),
            BeliefGroupOrders);
    }

    /// <summary>Writes the dataset as <c>.npz</c>, atomically.</summary>
    public void Save(string path) => Save(path, null);

    /// <summary>Writes the dataset as <c>.npz</c>, atomically, with each episode's number in the array <c>episodes</c> when given.</summary>
    internal void Save(string path, IReadOnlyList<int>? episodeNumbers) => AtomicFile.Write(path, s =>
    {
        using var zip = new ZipArchive(s, ZipArchiveMode.Create, leaveOpen: true);
        void Add(string name, Action<Stream> write)
        {
            var entry = zip.CreateEntry(name + ".npy", CompressionLevel.Fastest);
            using var es = entry.Open();
            write(es);
        }
        Add("observations", es => NpyFormat.Write(es, Observations, [Episodes, Steps + 1, Agents, ObservationSize]));
        Add("actions", es => NpyFormat.Write(es, Actions, [Episodes, Steps, Agents]));
        Add("beliefs", es => NpyFormat.Write(es, Beliefs, [Episodes, Steps + 1, Agents, NumBeliefs]));
        Add("world_truth", es => NpyFormat.Write(es, WorldTruth, [Episodes, Steps + 1, NumBeliefs]));
        Add("lengths", es => NpyFormat.Write(es, Lengths, [Episodes]));
        if (BeliefGroupOrders is { } orders)
        {
            Add("belief_orders", es => NpyFormat.Write(es, orders, [orders.Length]));
        }
        if (episodeNumbers is not null)
        {
            Expect(episodeNumbers.Count, Episodes, "episodes");
            Add("episodes", es => NpyFormat.Write(es, [.. episodeNumbers], [episodeNumbers.Count]));
        }
    });

    /// <summary>Reads a <c>.npz</c> written by <see cref="Save(string)"/> (or by NumPy with the same arrays); refuses corrupt files clearly.</summary>
    public static TrajectoryDataset Load(string path) => LoadNumbered(path).Data;

    /// <summary>
    /// Reads a <c>.npz</c> as <see cref="Load"/> does, with its array <c>episodes</c> when it has one (checked: one per
    /// episode). The per-step arrays are decoded a row at a time into their non-zero values: reading holds the dataset,
    /// never its dense arrays.
    /// </summary>
    internal static (TrajectoryDataset Data, int[]? EpisodeNumbers) LoadNumbered(string path) => Reading(path, zip =>
    {
        var a = Arrays(zip, path);
        var (e, t, n, o, nb) = a.Sizes;
        long rows = (long)e * (t + 1);
        var actions = ReadWhole(zip.GetEntry("actions.npy")!, path, "actions").AsInts($"{path}: actions");
        return (new TrajectoryDataset(e, t, n, o, nb, ReadRows(zip, path, "observations", rows, n * o), actions,
            ReadRows(zip, path, "beliefs", rows, n * nb), ReadRows(zip, path, "world_truth", rows, nb), a.Lengths, a.Orders), a.Numbers);
    });

    /// <summary>The sizes of a dataset's arrays: episodes, padded steps, agents, values per observation, beliefs per agent.</summary>
    internal readonly record struct Sizes(int Episodes, int Steps, int Agents, int ObservationSize, int NumBeliefs);

    /// <summary>
    /// What a <c>.npz</c> holds, without its per-step arrays: their sizes (from the headers, checked against each other as
    /// <see cref="Load"/> checks them), each episode's length and its number (array <c>episodes</c>, when there is one).
    /// Reads a few bytes per episode: how a folder of shards is indexed before its episodes are read window by window.
    /// </summary>
    internal static (Sizes Sizes, int[] Lengths, int[]? EpisodeNumbers) ReadIndex(string path) => Reading(path, zip =>
    {
        var a = Arrays(zip, path);
        for (int e = 0; e < a.Lengths.Length; e++)
        {
            if (a.Lengths[e] < 0 || a.Lengths[e] > a.Sizes.Steps)
            {
                throw new InvalidModelFileException($"{path}: lengths[{e}] = {a.Lengths[e]} is outside 0..{a.Sizes.Steps}");
            }
        }
        return (a.Sizes, a.Lengths, a.Numbers);
    });

    private sealed record ArchiveArrays(Sizes Sizes, int[] Lengths, int[]? Orders, int[]? Numbers);

    /// <summary>An archive's sizes (from the per-step arrays' headers, checked against each other) and its small arrays.</summary>
    private static ArchiveArrays Arrays(ZipArchive zip, string path)
    {
        ZipArchiveEntry Entry(string name) => zip.GetEntry(name + ".npy") ?? throw new InvalidModelFileException($"{path}: no array '{name}' in the archive");
        int[] Header(string name)
        {
            var entry = Entry(name);
            using var es = entry.Open();
            return NpyFormat.ReadHeader(es, $"{path}: {name}.npy", Limit(entry)).Shape;
        }
        var obs = Header("observations");
        var act = Header("actions");
        var bel = Header("beliefs");
        var truth = Header("world_truth");
        var len = ReadWhole(Entry("lengths"), path, "lengths");
        var orders = zip.GetEntry("belief_orders.npy") is { } o ? ReadWhole(o, path, "belief_orders") : null;
        var numbers = zip.GetEntry("episodes.npy") is { } n ? ReadWhole(n, path, "episodes") : null;
        if (orders is not null && orders.Shape.Length != 1)
        {
            throw new InvalidModelFileException($"{path}: belief_orders must have rank 1");
        }
        if (obs.Length != 4 || act.Length != 3 || bel.Length != 4 || truth.Length != 3 || len.Shape.Length != 1)
        {
            throw new InvalidModelFileException($"{path}: array ranks must be observations 4, actions 3, beliefs 4, world_truth 3, lengths 1");
        }
        int e = obs[0], t = obs[1] - 1, agents = obs[2];
        if (t < 0 || act[0] != e || act[1] != t || act[2] != agents || bel[0] != e || bel[1] != t + 1
            || bel[2] != agents || truth[0] != e || truth[1] != t + 1 || truth[2] != bel[3] || len.Shape[0] != e)
        {
            throw new InvalidModelFileException($"{path}: array shapes disagree (observations [{string.Join(", ", obs)}], actions [{string.Join(", ", act)}], beliefs [{string.Join(", ", bel)}])");
        }
        if (numbers is not null && (numbers.Shape.Length != 1 || numbers.Shape[0] != e))
        {
            throw new InvalidModelFileException($"{path}: episodes must hold one number per episode ({e}), has shape [{string.Join(", ", numbers.Shape)}]");
        }
        return new ArchiveArrays(new Sizes(e, t, agents, obs[3], bel[3]), len.AsInts($"{path}: lengths"), orders?.AsInts($"{path}: belief_orders"),
            numbers?.AsInts($"{path}: episodes"));
    }

    /// <summary>The archive's own size for the member bounds what the header may claim.</summary>
    private static long Limit(ZipArchiveEntry entry) => Math.Min(MaxArrayBytes, entry.Length);

    private static NpyFormat.NpyArray ReadWhole(ZipArchiveEntry entry, string path, string name)
    {
        using var es = entry.Open();
        var arr = NpyFormat.Read(es, $"{path}: {name}.npy", Limit(entry));
        EndOfData(es, path, name);
        return arr;
    }

    /// <summary>A float32 array of <paramref name="rows"/> rows of <paramref name="width"/> values, read a row at a time into its non-zero values.</summary>
    private static SparseRows ReadRows(ZipArchive zip, string path, string name, long rows, int width)
    {
        var entry = zip.GetEntry(name + ".npy")!;
        string where = $"{path}: {name}.npy";
        using var es = entry.Open();
        var (descr, _, _) = NpyFormat.ReadHeader(es, where, Limit(entry));
        if (descr != "<f4")
        {
            throw new InvalidModelFileException($"{where}: dtype {descr}, expected <f4 (float32)");
        }
        var builder = new SparseRows.Builder(width, DataCollector.MaxValues);
        var row = new byte[width * sizeof(float)];
        for (long r = 0; r < rows; r++)
        {
            try
            {
                es.ReadExactly(row);
            }
            catch (EndOfStreamException)
            {
                throw new InvalidModelFileException($"{where}: truncated data: {r} of {rows} rows");
            }
            builder.Add(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(row));
        }
        EndOfData(es, path, name);
        return builder.Build();
    }

    private static void EndOfData(Stream es, string path, string name)
    {
        Span<byte> probe = stackalloc byte[1];
        if (es.Read(probe) != 0)
        {
            throw new InvalidModelFileException($"{path}: {name}.npy has bytes after its data");
        }
    }

    private static T Reading<T>(string path, Func<ZipArchive, T> read)
    {
        try
        {
            using var fs = File.OpenRead(path);
            using var zip = new ZipArchive(fs, ZipArchiveMode.Read);
            return read(zip);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidModelFileException($"{path}: not a valid .npz archive (truncated or corrupted): {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidModelFileException($"{path}: cannot read: {ex.Message}");
        }
    }
}

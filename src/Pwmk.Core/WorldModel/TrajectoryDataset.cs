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

    /// <summary>Reads a <c>.npz</c> as <see cref="Load"/> does, with its array <c>episodes</c> when it has one (checked: one per episode).</summary>
    internal static (TrajectoryDataset Data, int[]? EpisodeNumbers) LoadNumbered(string path)
    {
        try
        {
            using var fs = File.OpenRead(path);
            using var zip = new ZipArchive(fs, ZipArchiveMode.Read);
            NpyFormat.NpyArray? Find(string name) => zip.GetEntry(name + ".npy") is null ? null : Get(name);
            NpyFormat.NpyArray Get(string name)
            {
                var entry = zip.GetEntry(name + ".npy")
                    ?? throw new InvalidModelFileException($"{path}: no array '{name}' in the archive");
                using var es = entry.Open();
                // The archive's own size for the member bounds what the header may claim.
                var arr = NpyFormat.Read(es, $"{path}: {name}.npy", Math.Min(MaxArrayBytes, entry.Length));
                Span<byte> probe = stackalloc byte[1];
                if (es.Read(probe) != 0)
                {
                    throw new InvalidModelFileException($"{path}: {name}.npy has bytes after its data");
                }
                return arr;
            }
            var obs = Get("observations");
            var act = Get("actions");
            var bel = Get("beliefs");
            var truth = Get("world_truth");
            var len = Get("lengths");
            var orders = Find("belief_orders");
            var numbers = Find("episodes");
            if (orders is not null && orders.Shape.Length != 1)
            {
                throw new InvalidModelFileException($"{path}: belief_orders must have rank 1");
            }
            if (obs.Shape.Length != 4 || act.Shape.Length != 3 || bel.Shape.Length != 4 || truth.Shape.Length != 3 || len.Shape.Length != 1)
            {
                throw new InvalidModelFileException($"{path}: array ranks must be observations 4, actions 3, beliefs 4, world_truth 3, lengths 1");
            }
            int e = obs.Shape[0], t = obs.Shape[1] - 1, n = obs.Shape[2];
            if (t < 0 || act.Shape[0] != e || act.Shape[1] != t || act.Shape[2] != n || bel.Shape[0] != e || bel.Shape[1] != t + 1
                || bel.Shape[2] != n || truth.Shape[0] != e || truth.Shape[1] != t + 1 || truth.Shape[2] != bel.Shape[3] || len.Shape[0] != e)
            {
                throw new InvalidModelFileException($"{path}: array shapes disagree (observations [{string.Join(", ", obs.Shape)}], actions [{string.Join(", ", act.Shape)}], beliefs [{string.Join(", ", bel.Shape)}])");
            }
            if (numbers is not null && (numbers.Shape.Length != 1 || numbers.Shape[0] != e))
            {
                throw new InvalidModelFileException($"{path}: episodes must hold one number per episode ({e}), has shape [{string.Join(", ", numbers.Shape)}]");
            }
            return (new TrajectoryDataset(e, t, n, obs.Shape[3], bel.Shape[3],
                obs.AsFloats($"{path}: observations"), act.AsInts($"{path}: actions"), bel.AsFloats($"{path}: beliefs"),
                truth.AsFloats($"{path}: world_truth"), len.AsInts($"{path}: lengths"), orders?.AsInts($"{path}: belief_orders")),
                numbers?.AsInts($"{path}: episodes"));
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

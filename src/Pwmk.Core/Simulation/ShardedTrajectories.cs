using Pwmk.Core.WorldModel;

namespace Pwmk.Core.Simulation;

/// <summary>
/// The episodes of a folder of shards (<see cref="SimulationTrajectories.Open"/>), in the order of their numbers, read a
/// window at a time. What is held between reads is the index: per episode its shard, its place in the shard and its
/// length. A window is a run of consecutive shards (in the order of their files) holding about the window's steps of the
/// source's episodes; reading it reads those shards and joins their episodes of the source, in the order of their
/// numbers. A source of one window keeps it once read (the whole dataset in memory, as before shards).
/// </summary>
internal sealed class ShardedTrajectories : TrajectorySource
{
    /// <summary>The folder's shards and, per episode in the order of their numbers, where it is and how long it is.</summary>
    internal sealed record Index(string[] Files, (int Agents, int ObservationSize, int NumBeliefs) Shape,
        int[] Number, int[] Shard, int[] Slot, int[] Length);

    private readonly Index _index;
    private readonly int _start, _count, _windowSteps;
    private readonly List<(int[] Shards, int[] Episodes, int[] Lengths)> _windows = [];
    private readonly Lock _gate = new();
    private TrajectoryDataset? _only;

    /// <summary>
    /// Episodes [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) of <paramref name="index"/>,
    /// in windows of about <paramref name="windowSteps"/> steps (an episode of T steps counts T+1: its observations; 0: one window).
    /// </summary>
    internal ShardedTrajectories(Index index, int start, int count, int windowSteps)
    {
        _index = index;
        _start = start;
        _count = count;
        _windowSteps = windowSteps;
        var byShard = new List<int>?[index.Files.Length];
        for (int e = start; e < start + count; e++)
        {
            (byShard[index.Shard[e]] ??= []).Add(e);
        }
        var shards = new List<int>();
        var episodes = new List<int>();
        long rows = 0;
        for (int s = 0; s < byShard.Length; s++)
        {
            if (byShard[s] is not { } mine) continue;
            shards.Add(s);
            episodes.AddRange(mine);
            foreach (int e in mine) rows += index.Length[e] + 1;
            if (windowSteps > 0 && rows >= windowSteps) Close();
        }
        if (shards.Count > 0 || _windows.Count == 0) Close();

        void Close()
        {
            episodes.Sort();
            _windows.Add(([.. shards], [.. episodes], [.. episodes.Select(e => index.Length[e])]));
            shards.Clear();
            episodes.Clear();
            rows = 0;
        }
    }

    public override int Episodes => _count;

    public override int Windows => _windows.Count;

    internal override (int Agents, int ObservationSize, int NumBeliefs) Shape => _index.Shape;

    internal override ReadOnlySpan<int> Lengths(int index) => _windows[index].Lengths;

    public override TrajectorySource Range(int start, int count)
    {
        CheckRange(start, count, _count);
        return new ShardedTrajectories(_index, _start + start, count, _windowSteps);
    }

    public override TrajectoryDataset Window(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _windows.Count);
        if (_windows.Count > 1) return Read(_windows[index]);
        lock (_gate) return _only ??= Read(_windows[0]);
    }

    /// <summary>Reads the window's shards and joins its episodes in the order of their numbers; checks each against the index.</summary>
    private TrajectoryDataset Read((int[] Shards, int[] Episodes, int[] Lengths) window)
    {
        if (window.Episodes.Length == 0) throw new InvalidOperationException("no episode in this range");
        var loaded = new Dictionary<int, TrajectoryDataset>();
        foreach (int s in window.Shards)
        {
            string file = _index.Files[s];
            var (data, numbers) = TrajectoryDataset.LoadNumbered(file);
            if ((data.Agents, data.ObservationSize, data.NumBeliefs) != _index.Shape)
                throw new InvalidModelFileException($"{file}: changed while it was read ({data.Agents} agents x {data.ObservationSize} values x {data.NumBeliefs} beliefs)");
            loaded[s] = data;
            foreach (int e in window.Episodes)
            {
                if (_index.Shard[e] != s) continue;
                int slot = _index.Slot[e];
                if (numbers is null || slot >= numbers.Length || numbers[slot] != _index.Number[e] || data.Lengths[slot] != _index.Length[e])
                    throw new InvalidModelFileException($"{file}: changed while it was read (episode {_index.Number[e]} is no longer where it was)");
            }
        }
        return SimulationTrajectories.JoinEpisodes([.. window.Episodes.Select(e => (loaded[_index.Shard[e]], _index.Slot[e]))]);
    }
}

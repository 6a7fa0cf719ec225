using Pwmk.Core.WorldModel;

namespace Pwmk.Core.Simulation;

/// <summary>
/// Writes a simulation's episode trajectories to a folder as they come (<c>pwmk simulate --out</c>, one process or a
/// cluster's rollout), in the layout <see cref="SimulationTrajectories"/> reads: the episodes are kept until a few
/// thousand steps have come, then written as one shard (atomically: a temporary file, fsync, rename), so the memory held
/// is one shard's, whatever the number of episodes. Episodes may come in any order (each carries its number).
/// <c>simulation.json</c> says the run is incomplete from the start until <see cref="Complete"/>; a run stopped by a
/// crash leaves its shards written so far, each whole. Safe to call from several threads.
/// </summary>
public sealed class TrajectoryWriter : IDisposable
{
    /// <summary>Steps (rows of T+1 per episode) a shard gathers before it is written.</summary>
    internal const int DefaultShardSteps = 4096;

    private readonly string _dir;
    private readonly int _shardSteps;
    private readonly SimulationTrajectories.Source _source;
    private readonly List<(TrajectoryDataset Data, int Index)> _buffer = [];
    private readonly List<int> _numbers = [];
    private readonly Lock _gate = new();
    private int _buffered, _shards;
    private long _episodes, _steps;
    private bool _closed;
    private (int Agents, int ObservationSize, int NumBeliefs)? _shape;

    /// <summary>
    /// Starts a folder for the episodes of a simulation of <paramref name="settings"/> in <paramref name="dir"/> (created
    /// when missing; the trajectories an earlier run wrote there are removed first).
    /// </summary>
    public TrajectoryWriter(string dir, SimulationSettings settings)
        : this(dir, settings, DefaultShardSteps)
    {
    }

    internal TrajectoryWriter(string dir, SimulationSettings settings, int shardSteps)
    {
        ArgumentException.ThrowIfNullOrEmpty(dir);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardSteps, 1);
        _dir = Path.GetFullPath(dir);
        _shardSteps = shardSteps;
        Directory.CreateDirectory(_dir);
        // an earlier run's arrays go before the new settings are written: a crash in between leaves settings that name
        // shards the folder no longer has (refused), never this run's settings over that run's arrays
        foreach (var (_, path) in SimulationTrajectories.ShardFiles(_dir)) File.Delete(path);
        File.Delete(Path.Combine(_dir, SimulationTrajectories.DataFile));
        _source = SimulationTrajectories.Source.Of(settings) with { Shards = 0 };
        SimulationTrajectories.WriteSource(_dir, _source);
    }

    /// <summary>The folder written to (full path).</summary>
    public string Folder => _dir;

    /// <summary>Episodes added so far (written or waiting for their shard).</summary>
    public long Episodes
    {
        get
        {
            lock (_gate) return _episodes;
        }
    }

    /// <summary>Rows (T+1 per episode) waiting for their shard: at most the shard size plus one episode's.</summary>
    internal int BufferedSteps
    {
        get
        {
            lock (_gate) return _buffered;
        }
    }

    /// <summary>Adds episode number <paramref name="episode"/> (a one-episode dataset, as <see cref="OnlineWorldModel.EpisodeTrajectory"/> gives).</summary>
    public void Add(int episode, TrajectoryDataset trajectory)
    {
        ArgumentNullException.ThrowIfNull(trajectory);
        ArgumentOutOfRangeException.ThrowIfNegative(episode);
        if (trajectory.Episodes != 1) throw new ArgumentException($"a dataset of {trajectory.Episodes} episodes where one episode was expected", nameof(trajectory));
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            var shape = (trajectory.Agents, trajectory.ObservationSize, trajectory.NumBeliefs);
            _shape ??= shape;
            if (_shape != shape)
                throw new ArgumentException($"episode {episode}: {shape.Agents} agents x {shape.ObservationSize} values x {shape.NumBeliefs} beliefs against {_shape.Value.Agents} x {_shape.Value.ObservationSize} x {_shape.Value.NumBeliefs}");
            _buffer.Add((trajectory, 0));
            _numbers.Add(episode);
            _buffered += trajectory.Steps + 1;
            _episodes++;
            _steps += trajectory.Lengths[0];
            if (_buffered >= _shardSteps) FlushLocked();
        }
    }

    /// <summary>Writes the episodes still waiting and marks the folder complete (<c>pwmk train --data</c> reads it).</summary>
    public void Complete()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            FlushLocked();
            SimulationTrajectories.WriteSource(_dir, _source with { Complete = true, Shards = _shards, EpisodeCount = _episodes, StepCount = _steps });
            _closed = true;
        }
    }

    /// <summary>Without <see cref="Complete"/> (a failed run): writes the episodes still waiting, best effort, and leaves the folder marked incomplete.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            try
            {
                FlushLocked();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // the shards written before stay readable; these episodes are lost with the run
            }
        }
    }

    private void FlushLocked()
    {
        if (_buffer.Count == 0) return;
        SimulationTrajectories.JoinEpisodes(_buffer).Save(SimulationTrajectories.ShardPath(_dir, _shards), _numbers);
        _shards++;
        _buffer.Clear();
        _numbers.Clear();
        _buffered = 0;
    }
}

namespace Pwmk.Core.WorldModel;

/// <summary>
/// Episodes that training reads a window at a time: consecutive groups of episodes, each read (and joined into a
/// <see cref="TrajectoryDataset"/>) only when it is used, so that memory holds a window, not the dataset. A dataset in
/// memory is one window (<see cref="Of"/>); a folder of shards written by <c>pwmk simulate --out</c> is read window by
/// window (<see cref="Simulation.SimulationTrajectories.Open"/>).
/// </summary>
public abstract class TrajectorySource
{
    private protected TrajectorySource()
    {
    }

    /// <summary>Number of episodes (over all windows).</summary>
    public abstract int Episodes { get; }

    /// <summary>Number of windows.</summary>
    public abstract int Windows { get; }

    /// <summary>The episodes of window <paramref name="index"/>, in order (episode 0 of window 1 follows the last of window 0).</summary>
    public abstract TrajectoryDataset Window(int index);

    /// <summary>Episodes [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) as a source of their own.</summary>
    public abstract TrajectorySource Range(int start, int count);

    /// <summary>A dataset in memory as a source of one window.</summary>
    public static TrajectorySource Of(TrajectoryDataset data) => new InMemory(data ?? throw new ArgumentNullException(nameof(data)));

    /// <summary>Agents, values per observation and beliefs per agent of every window.</summary>
    internal abstract (int Agents, int ObservationSize, int NumBeliefs) Shape { get; }

    /// <summary>The valid transitions of each episode of window <paramref name="index"/>, without reading the window.</summary>
    internal abstract ReadOnlySpan<int> Lengths(int index);

    private protected static void CheckRange(int start, int count, int episodes)
    {
        if (start < 0 || count < 0 || start > episodes - count)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"episodes [{start}, {start + count}) outside 0..{episodes}");
        }
    }

    private sealed class InMemory(TrajectoryDataset data) : TrajectorySource
    {
        public override int Episodes => data.Episodes;

        public override int Windows => 1;

        public override TrajectoryDataset Window(int index) =>
            index == 0 ? data : throw new ArgumentOutOfRangeException(nameof(index), $"window {index} of 1");

        public override TrajectorySource Range(int start, int count)
        {
            CheckRange(start, count, data.Episodes);
            return new InMemory(data.Slice(start, count));
        }

        internal override (int Agents, int ObservationSize, int NumBeliefs) Shape => (data.Agents, data.ObservationSize, data.NumBeliefs);

        internal override ReadOnlySpan<int> Lengths(int index) => Window(index).Lengths;
    }
}

/// <summary>
/// Reads the windows of sources in a planned order, the next one on a background thread while the caller works on the
/// current one (training is single-threaded; the second core reads). Holds at most two windows (the current and the
/// next). An error reading a window (a damaged shard) is thrown by <see cref="Next"/>, as it was thrown by the read.
/// </summary>
internal sealed class WindowReader : IDisposable
{
    private readonly IEnumerator<(TrajectorySource Source, int Window)> _plan;
    private Task<TrajectoryDataset>? _next;

    public WindowReader(IEnumerable<(TrajectorySource Source, int Window)> plan)
    {
        _plan = plan.GetEnumerator();
        Advance();
    }

    /// <summary>The next window of the plan (read ahead), starting the read of the one after it.</summary>
    public TrajectoryDataset Next()
    {
        var task = _next ?? throw new InvalidOperationException("the plan has no more windows");
        var data = task.GetAwaiter().GetResult();
        Advance();
        return data;
    }

    private void Advance()
    {
        if (!_plan.MoveNext())
        {
            _next = null;
            return;
        }
        var (source, window) = _plan.Current;
        _next = Task.Run(() => source.Window(window));
    }

    public void Dispose()
    {
        // a read still running finishes before the caller goes on (its error, if any, is no longer anyone's)
        try
        {
            _next?.Wait();
        }
        catch (AggregateException)
        {
        }
        _plan.Dispose();
    }
}

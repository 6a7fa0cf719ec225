using Pwmk.Tensors;

namespace Pwmk.Core.WorldModel;

/// <summary>
/// A tiny multi-agent world for tests and benchmarks: agents walk on a ring of cells; one box sits on a cell.
/// An agent at the box's cell can push it one cell clockwise; now and then the box is moved by someone else
/// to a random cell. An agent sees the box only within its view radius, and believes the box is where it last
/// saw it, so agents that did not witness a move hold a false belief.
/// Observation per agent: own cell (one-hot), box cell if visible (one-hot), visible flag, and, unless
/// <c>observeMemory</c> is false, the remembered box cell (one-hot). Without it, beliefs depend on history.
/// Beliefs per agent: "box at cell c" for every cell. Actions: 0 stay, 1 counter-clockwise, 2 clockwise, 3 push.
/// </summary>
public sealed class SyntheticBoxWorld : IWorldModelEnvironment, IExpertPolicySource
{
    private readonly int cells, viewRadius;
    private readonly double moveProbability;
    private readonly bool observeMemory;
    private readonly int[] positions, remembered;
    private SeededRandom rng = new(0);
    private int box, step;

    /// <summary>Creates the world.</summary>
    public SyntheticBoxWorld(int numAgents = 3, int cells = 8, int viewRadius = 1, int maxSteps = 20, double moveProbability = 0.1, bool observeMemory = true)
    {
        this.observeMemory = observeMemory;
        if (numAgents < 1 || numAgents > 64 || cells < 2 || cells > 1024 || viewRadius < 0 || maxSteps < 1 || maxSteps > 100_000)
        {
            throw new ArgumentException($"SyntheticBoxWorld: bad sizes (agents {numAgents}, cells {cells}, view radius {viewRadius}, max steps {maxSteps})");
        }
        NumAgents = numAgents;
        this.cells = cells;
        this.viewRadius = viewRadius;
        MaxSteps = maxSteps;
        this.moveProbability = moveProbability;
        positions = new int[numAgents];
        remembered = new int[numAgents];
    }

    /// <inheritdoc />
    public string Name => "synthetic-box";

    /// <inheritdoc />
    public int NumAgents { get; }

    /// <inheritdoc />
    public int ObservationSize => (observeMemory ? 3 : 2) * cells + 1;

    /// <inheritdoc />
    public int NumActions => 4;

    /// <inheritdoc />
    public int NumBeliefs => cells;

    /// <inheritdoc />
    public int MaxSteps { get; }

    /// <inheritdoc />
    public void Reset(int seed, Span<float> observations)
    {
        rng = new SeededRandom((ulong)(uint)seed * 0x9E3779B97F4A7C15UL + 1);
        box = rng.NextInt(cells);
        step = 0;
        for (int i = 0; i < NumAgents; i++)
        {
            positions[i] = rng.NextInt(cells);
            remembered[i] = box; // everyone saw where the box was put at the start
        }
        Observe(observations);
    }

    /// <inheritdoc />
    public bool Step(ReadOnlySpan<int> actions, Span<float> observations)
    {
        if (actions.Length != NumAgents)
        {
            throw new ArgumentException($"expected {NumAgents} actions, got {actions.Length}");
        }
        bool pushed = false;
        for (int i = 0; i < NumAgents; i++)
        {
            if ((uint)actions[i] >= 4)
            {
                throw new ArgumentOutOfRangeException(nameof(actions), $"action {actions[i]} of agent {i} is outside 0..3");
            }
            pushed |= actions[i] == 3 && positions[i] == box;
        }
        if (pushed)
        {
            box = (box + 1) % cells;
        }
        for (int i = 0; i < NumAgents; i++)
        {
            positions[i] = actions[i] switch
            {
                1 => (positions[i] + cells - 1) % cells,
                2 => (positions[i] + 1) % cells,
                _ => positions[i],
            };
        }
        if (rng.NextDouble() < moveProbability)
        {
            box = rng.NextInt(cells);
        }
        step++;
        Observe(observations);
        return step >= MaxSteps;
    }

    private bool Sees(int agent)
    {
        int d = Math.Abs(positions[agent] - box);
        return Math.Min(d, cells - d) <= viewRadius;
    }

    private void Observe(Span<float> observations)
    {
        int o = ObservationSize;
        if (observations.Length != NumAgents * o)
        {
            throw new ArgumentException($"observation buffer holds {observations.Length} values, expected {NumAgents * o}");
        }
        observations.Clear();
        for (int i = 0; i < NumAgents; i++)
        {
            var row = observations.Slice(i * o, o);
            row[positions[i]] = 1f;
            if (Sees(i))
            {
                remembered[i] = box;
                row[cells + box] = 1f;
                row[2 * cells] = 1f;
            }
            if (observeMemory)
            {
                row[2 * cells + 1 + remembered[i]] = 1f;
            }
        }
    }

    /// <inheritdoc />
    public void GetBeliefGroundTruth(Span<float> beliefs)
    {
        beliefs.Clear();
        for (int i = 0; i < NumAgents; i++)
        {
            beliefs[i * cells + remembered[i]] = 1f;
        }
    }

    /// <inheritdoc />
    public void GetWorldTruth(Span<float> truth)
    {
        truth.Clear();
        truth[box] = 1f;
    }

    /// <inheritdoc />
    public int ExpertAction(int agent)
    {
        int target = remembered[agent], here = positions[agent];
        if (target == here)
        {
            return 3;
        }
        int clockwise = (target - here + cells) % cells;
        return clockwise <= cells - clockwise ? 2 : 1;
    }
}

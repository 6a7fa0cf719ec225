namespace Pwmk.Core.Simulation;

/// <summary>A belief held at a recorded step: the chain of believers (outermost first), the fact believed, and what was true.</summary>
/// <param name="Chain">The believers, outermost first (<c>[agent_0, agent_1]</c>: agent_0 believes agent_1 believes...).</param>
/// <param name="Fact">The fact believed, as a Prolog term.</param>
/// <param name="TrueFact">The fact about the same thing that was true in the world then, or null when the world had no value.</param>
/// <param name="False">Whether the belief differs from the world.</param>
public sealed record RecordedBelief(IReadOnlyList<string> Chain, string Fact, string? TrueFact, bool False);

/// <summary>What an agent chose at a recorded step and why.</summary>
/// <param name="Agent">The agent.</param>
/// <param name="Action">The action taken, by name.</param>
/// <param name="Source"><c>plan</c> (first step of a plan), <c>heuristic</c> (no plan: the environment's built-in behaviour) or <c>explore</c> (random).</param>
/// <param name="Goal">The goal it planned for, or null when it had none.</param>
/// <param name="Plan">The plan it found (action names), empty when none.</param>
public sealed record RecordedDecision(string Agent, string Action, string Source, string? Goal, IReadOnlyList<string> Plan);

/// <summary>The world model's one-step prediction of an agent's observation beside what the agent then observed.</summary>
/// <param name="Agent">The agent.</param>
/// <param name="Predicted">The predicted observation vector.</param>
/// <param name="Observed">The observation that came.</param>
/// <param name="MeanSquaredError">Mean squared error between the two.</param>
public sealed record RecordedPrediction(string Agent, IReadOnlyList<float> Predicted, IReadOnlyList<float> Observed, double MeanSquaredError);

/// <summary>The online world model's prediction, made before a step, of what a chain of agents would believe after it, beside what it then believed.</summary>
/// <param name="Chain">The believers, outermost first.</param>
/// <param name="Predicted">The fact the model found most likely to be believed, or null when it predicted no belief.</param>
/// <param name="Probability">The model's probability of its prediction.</param>
/// <param name="Actual">The fact believed after the step, or null when none was.</param>
public sealed record PredictedBelief(IReadOnlyList<string> Chain, string? Predicted, double Probability, string? Actual)
{
    /// <summary>Whether the prediction was what was then believed.</summary>
    public bool Correct => Predicted == Actual;
}

/// <summary>One step of a simulation as it was: the world, each agent's view, beliefs, decisions and the model's predictions.</summary>
/// <param name="Sequence">The record's number in the simulation (0, 1, ...; never reused).</param>
/// <param name="Episode">The episode (0-based).</param>
/// <param name="Step">The step in the episode (0: after reset, then 1-based).</param>
/// <param name="Reward">Sum of the agents' rewards for this step.</param>
/// <param name="World">The world as text rows, as everyone would see it.</param>
/// <param name="Views">Each agent's view as text rows ('?' where it cannot see), in agent order.</param>
/// <param name="Facts">What was true in the world after the step (every fluent with a value), as Prolog terms.</param>
/// <param name="Beliefs">Every belief held after the step, every chain, with the truth.</param>
/// <param name="Decisions">What each agent chose at this step (empty after a reset).</param>
/// <param name="Predictions">The world model's prediction per agent, empty before it was first trained.</param>
public sealed record StepRecord(long Sequence, int Episode, int Step, double Reward, IReadOnlyList<string> World,
    IReadOnlyList<IReadOnlyList<string>> Views, IReadOnlyList<string> Facts, IReadOnlyList<RecordedBelief> Beliefs, IReadOnlyList<RecordedDecision> Decisions,
    IReadOnlyList<RecordedPrediction> Predictions)
{
    /// <summary>
    /// The world model's predicted beliefs after the step (every chain and fluent where it predicted or the chain held a
    /// belief), empty when the model does not learn beliefs or was not trained yet.
    /// </summary>
    public IReadOnlyList<PredictedBelief> PredictedBeliefs { get; init; } = [];
}

/// <summary>
/// The last <see cref="Capacity"/> steps of a simulation, for replay (step back and forth, "what did agent_1 believe at step 12,
/// and what was true"). Older steps are dropped, so memory stays bounded however long the simulation runs. Thread-safe: the
/// simulation adds, any thread reads.
/// </summary>
public sealed class StepTimeline
{
    private readonly Lock _lock = new();
    private readonly StepRecord?[] _ring;
    private long _next;

    /// <param name="capacity">Steps kept (at least 1).</param>
    public StepTimeline(int capacity = 500)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ring = new StepRecord?[capacity];
    }

    /// <summary>Steps kept at most.</summary>
    public int Capacity => _ring.Length;

    /// <summary>The sequence number the next record gets (records so far, dropped ones included).</summary>
    public long Count
    {
        get { lock (_lock) return _next; }
    }

    /// <summary>The oldest sequence number still kept (equal to <see cref="Count"/> when nothing is).</summary>
    public long First
    {
        get { lock (_lock) return Math.Max(0, _next - _ring.Length); }
    }

    /// <summary>Adds a record; <paramref name="make"/> receives its sequence number.</summary>
    public StepRecord Add(Func<long, StepRecord> make)
    {
        ArgumentNullException.ThrowIfNull(make);
        lock (_lock)
        {
            var record = make(_next);
            _ring[_next % _ring.Length] = record;
            _next++;
            return record;
        }
    }

    /// <summary>The record with this sequence number, or null when it was never made or has been dropped.</summary>
    public StepRecord? Get(long sequence)
    {
        lock (_lock)
        {
            if (sequence < 0 || sequence >= _next || sequence < _next - _ring.Length) return null;
            return _ring[sequence % _ring.Length];
        }
    }

    /// <summary>The latest record, or null before the first.</summary>
    public StepRecord? Latest => Get(Count - 1);

    /// <summary>The kept records from <paramref name="from"/> on (clamped to what is kept), at most <paramref name="count"/>.</summary>
    public IReadOnlyList<StepRecord> Range(long from, int count)
    {
        lock (_lock)
        {
            long start = Math.Max(from, Math.Max(0, _next - _ring.Length));
            long end = Math.Min(_next, start + Math.Max(0, count));
            var list = new List<StepRecord>((int)Math.Max(0, end - start));
            for (long s = start; s < end; s++) list.Add(_ring[s % _ring.Length]!);
            return list;
        }
    }
}

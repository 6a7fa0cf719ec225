using Pwmk.Tensors;

namespace Pwmk.Core.WorldModel;

/// <summary>Training settings.</summary>
public sealed record TrainerConfig
{
    /// <summary>Samples per optimiser step.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>AdamW learning rate.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Steps rolled forward in latent space per sample (multi-step prediction loss).</summary>
    public int PredictionHorizon { get; init; } = 1;

    /// <summary>Weight of the belief (binary cross-entropy) loss next to the observation (MSE) loss.</summary>
    public float BeliefLossWeight { get; init; } = 1f;

    /// <summary>AdamW decoupled weight decay.</summary>
    public float WeightDecay { get; init; } = 1e-4f;

    /// <summary>Global gradient-norm clip.</summary>
    public float GradientClip { get; init; } = 1f;

    /// <summary>Epochs without validation improvement before stopping.</summary>
    public int Patience { get; init; } = 5;

    /// <summary>When set, the best model so far is saved there (atomically) whenever validation improves.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>
    /// Filtering (for <see cref="WorldModelConfig.Recurrent"/> models): each sample is the first
    /// <see cref="PredictionHorizon"/> steps of an episode; the model reads the real observation at every step together
    /// with its belief state (the previous latent after the dynamics network, or with
    /// <see cref="WorldModelConfig.CarryEncoderState"/> the gated encoder's previous output), and is trained through the whole window (truncated back-propagation through time).
    /// </summary>
    public bool Filtering { get; init; }

    /// <summary>Seed of the sample shuffling.</summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// The agents' names, in the model's agent order, for the <c>agent_id</c> label of the per-agent training loss (the
    /// vocabulary of every other metric); null: <c>agent_0</c>, <c>agent_1</c>, ...
    /// </summary>
    public IReadOnlyList<string>? AgentNames { get; init; }

    /// <summary>How the learning rate changes over one <see cref="WorldModelTrainer.Fit(TrajectorySource, TrajectorySource?, int, TrainingCallbacks?, CancellationToken)"/>.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>Early stopping never ends training before this many epochs (a plateau of the first epochs is not the end).</summary>
    public int MinEpochs { get; init; }

    /// <summary>
    /// Weight of the belief loss on the (agent, fluent) groups that hold a false belief (the value believed is not the
    /// true one): these are rare and are what only a model of each agent's history gets right.
    /// </summary>
    public float FalseBeliefWeight { get; init; } = 1f;

    /// <summary>Weight of the belief loss on the groups whose believed value changes at that step.</summary>
    public float BeliefChangeWeight { get; init; } = 1f;

    /// <summary>
    /// When true the observation loss of a batch is divided by the copy baseline's error on that batch (1 means "no
    /// better than copying the last observation"), so that it weighs the same next to the belief loss whatever the size
    /// and sparsity of the observations.
    /// </summary>
    public bool NormaliseObservationLoss { get; init; }

    /// <summary>When true and the validation episodes have beliefs, every epoch report carries the validation metrics.</summary>
    public bool EvaluateEachEpoch { get; init; }

    /// <summary>
    /// When true (the default) and the configuration comes from <see cref="ForEnvironment"/> for an environment with
    /// symmetries (box-world: agents and boxes renamed, the grid mirrored), each training episode is relabelled by a
    /// random one of them every time it is gathered; false trains on the episodes as collected.
    /// </summary>
    public bool UseSymmetries { get; init; } = true;

    /// <summary>Draws a random symmetry of the environment's episodes (null: none); set by <see cref="ForEnvironment"/>.</summary>
    internal Func<SeededRandom, EpisodeSymmetry?>? Symmetries { get; init; }

    /// <summary>
    /// The training <c>pwmk train</c> runs by default for a recurrent model of <paramref name="env"/> over at most
    /// <paramref name="epochs"/> epochs (chosen by the sweeps in <c>bench/worldmodel</c>): whole episodes in batches of 4,
    /// each relabelled by a random symmetry of the environment when it has some, AdamW at 2e-3 with warm-up and cosine
    /// decay, the observation loss normalised by the copy baseline's, and early stopping after 3 epochs without
    /// improvement but never in the first half of the epochs.
    /// </summary>
    public static TrainerConfig ForEnvironment(IWorldModelEnvironment env, int epochs)
    {
        ArgumentNullException.ThrowIfNull(env);
        return new TrainerConfig
        {
            BatchSize = 4,
            LearningRate = 2e-3f,
            Schedule = LearningRateSchedule.Cosine,
            PredictionHorizon = env.MaxSteps,
            Filtering = true,
            Patience = 3,
            MinEpochs = (epochs + 1) / 2,
            NormaliseObservationLoss = true,
            EvaluateEachEpoch = true,
            Symmetries = env is PerspectiveEnvAdapter adapter ? adapter.RandomSymmetry : null,
        };
    }
}

/// <summary>Learning-rate schedules of <see cref="TrainerConfig.Schedule"/>.</summary>
public enum LearningRateSchedule
{
    /// <summary>The configured rate throughout.</summary>
    Constant,

    /// <summary>A linear warm-up over the first 5% of the steps, then a cosine decay to a tenth of the rate.</summary>
    Cosine,
}

/// <summary>Progress after one optimiser step.</summary>
public sealed record BatchReport(int Epoch, int Batch, int BatchesPerEpoch, float Loss, double SamplesPerSecond);

/// <summary>Progress after one epoch (<paramref name="Epoch"/> counts from 1); <paramref name="Validation"/> holds the
/// validation metrics when <see cref="TrainerConfig.EvaluateEachEpoch"/> is set.</summary>
public sealed record EpochReport(int Epoch, float TrainLoss, float ValidationLoss, bool Improved, EvaluationResult? Validation = null);

/// <summary>Callbacks of <see cref="WorldModelTrainer.Fit(TrajectorySource, TrajectorySource?, int, TrainingCallbacks?, CancellationToken)"/>.</summary>
public sealed record TrainingCallbacks(Action<BatchReport>? OnBatch = null, Action<EpochReport>? OnEpoch = null);

/// <summary>Outcome of <see cref="WorldModelTrainer.Fit(TrajectorySource, TrajectorySource?, int, TrainingCallbacks?, CancellationToken)"/>; the model holds the best weights afterwards (those of epoch
/// <paramref name="BestEpoch"/>, counting from 1 like <see cref="EpochReport.Epoch"/>; 0 when no epoch ran).</summary>
public sealed record FitResult(IReadOnlyList<EpochReport> History, int BestEpoch, float BestValidationLoss, bool StoppedEarly, double TrainSamplesPerSecond);

/// <summary>Held-out metrics (one-step predictions).</summary>
/// <param name="StateMse">Mean squared error of the predicted next observation.</param>
/// <param name="CopyBaselineMse">Same error when the last observation is copied as the prediction.</param>
/// <param name="BeliefAccuracy">
/// Without belief groups: fraction of belief predicates (per agent) predicted right at threshold 0.5. With groups
/// (<see cref="WorldModelConfig.BeliefGroupSize"/>): fraction of (agent, fluent) pairs whose most probable value is
/// the value the agent believes (or "no belief" when it has none).
/// </param>
/// <param name="MajorityBaselineAccuracy">
/// Same score of the majority-class baseline: each predicate's (with groups: each agent and fluent's) most frequent
/// value in the reference (training) episodes.
/// </param>
/// <param name="FalseBeliefAccuracy">
/// Accuracy on the false-belief cases (NaN if none): without groups, the slots whose target differs from the world's
/// truth; with groups, the (agent, fluent) pairs where the agent believes a value and the fluent's true value is another.
/// </param>
/// <param name="FalseBeliefCases">Number of such cases.</param>
/// <param name="Samples">Transitions evaluated.</param>
/// <param name="FalseBeliefMajorityAccuracy">The majority baseline's accuracy on the false-belief cases.</param>
/// <param name="PersistenceBaselineAccuracy">
/// Same score of the persistence baseline: every agent (chain) still believes at step t+1 what it believed at step t
/// (read from the targets, which the model never sees).
/// </param>
/// <param name="FalseBeliefPersistenceAccuracy">The persistence baseline's accuracy on the false-belief cases.</param>
/// <param name="ByOrder">The same scores per belief order (1: own beliefs, 2: beliefs about another agent's belief, ...).</param>
/// <param name="BeliefChangeAccuracy">Accuracy on the cases where the belief changes at that step (where persistence is always wrong).</param>
/// <param name="BeliefChangeCases">Number of such cases.</param>
public sealed record EvaluationResult(double StateMse, double CopyBaselineMse, double BeliefAccuracy, double MajorityBaselineAccuracy,
    double FalseBeliefAccuracy, long FalseBeliefCases, int Samples, double FalseBeliefMajorityAccuracy = double.NaN,
    double PersistenceBaselineAccuracy = double.NaN, double FalseBeliefPersistenceAccuracy = double.NaN,
    IReadOnlyList<OrderAccuracy>? ByOrder = null, double BeliefChangeAccuracy = double.NaN, long BeliefChangeCases = 0);

/// <summary>Belief scores of one belief order (see <see cref="EvaluationResult"/>).</summary>
public sealed record OrderAccuracy(int Order, double BeliefAccuracy, long Cases, double PersistenceBaselineAccuracy,
    double FalseBeliefAccuracy, long FalseBeliefCases, double BeliefChangeAccuracy = double.NaN, long BeliefChangeCases = 0);

namespace Pwmk.Core.WorldModel;

/// <summary>
/// A learned multi-agent world model seen from every agent's perspective. Arrays are flat and row-major so any
/// backend (this library's own tensors today, TorchSharp or ONNX later) can fill the contract.
/// </summary>
public interface IWorldModel
{
    /// <summary>The sizes of the model.</summary>
    WorldModelConfig Config { get; }

    /// <summary>A short name of the architecture/backend, used as the <c>model_type</c> metric label.</summary>
    string ModelType { get; }

    /// <summary>
    /// One step for a batch: <paramref name="observations"/> [B, N, ObsDim], <paramref name="actions"/> [B, N] (action ids),
    /// <paramref name="agentIds"/> [B, N] (perspective ids; null means token i is agent i).
    /// </summary>
    WorldModelPrediction Forward(float[] observations, int[] actions, int[]? agentIds, int batchSize);

    /// <summary>Rolls the latent state forward under <paramref name="actionSequence"/> (each [N] action ids) from one observation [N, ObsDim].</summary>
    TrajectoryPrediction PredictTrajectory(float[] initialObservations, IReadOnlyList<int[]> actionSequence);

    /// <summary>Writes the weights (and sizes) to a checkpoint file, atomically.</summary>
    void Save(string path);
}

/// <summary>Outputs of <see cref="IWorldModel.Forward"/>.</summary>
/// <param name="States">Next latent state per agent, [B, N, HiddenDim].</param>
/// <param name="NextObservations">Predicted next observation per agent, [B, N, ObsDim].</param>
/// <param name="Beliefs">Probability of every belief predicate per agent, [B, N, NumBeliefs].</param>
public sealed record WorldModelPrediction(float[] States, float[] NextObservations, float[] Beliefs);

/// <summary>Outputs of <see cref="IWorldModel.PredictTrajectory"/>: one entry per step.</summary>
/// <param name="States">Latent states per step, each [N, HiddenDim].</param>
/// <param name="Observations">Predicted observations per step, each [N, ObsDim].</param>
/// <param name="Beliefs">Belief probabilities per step, each [N, NumBeliefs].</param>
public sealed record TrajectoryPrediction(IReadOnlyList<float[]> States, IReadOnlyList<float[]> Observations, IReadOnlyList<float[]> Beliefs);

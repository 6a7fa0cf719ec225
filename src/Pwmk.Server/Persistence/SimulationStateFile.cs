using System.Globalization;
using System.Text;
using System.Text.Json;
using Pwmk.Core.WorldModel;
using System.IO.Hashing;
using Pwmk.Core.Storage;

namespace Pwmk.Server.Persistence;

/// <summary>
/// The background simulation's resumable state in the state directory: <c>simulation.json</c>, a JSON object
/// <c>{"format": "pwmk-simulation/1", "crc32": "&lt;8 hex digits&gt;", "state": {...}}</c> whose CRC-32 covers the exact
/// UTF-8 text of <c>state</c>, and the world model checkpoint it names, <c>world-model-&lt;episode&gt;.safetensors</c>
/// (safetensors with its own data checksum). Commit order: the checkpoint is written atomically (temporary file, fsync,
/// rename) and the folder fsynced, then <c>simulation.json</c> atomically (<see cref="AtomicFile.Write"/>), then
/// older checkpoints are deleted; a crash at any point leaves the previous state or the new one, whole.
/// </summary>
internal static class SimulationStateFile
{
    public const string FileName = "simulation.json";
    public const string Format = "pwmk-simulation/1";
    public const string ModelPrefix = "world-model-";
    public const string ModelExtension = ".safetensors";

    /// <summary>Largest state file read (the histories are bounded; anything larger is not ours).</summary>
    public const long MaxBytes = 16 << 20;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string ModelFileName(int episode) => ModelPrefix + episode.ToString("D8", CultureInfo.InvariantCulture) + ModelExtension;

    /// <summary>The trainer's state saved with the checkpoint of <paramref name="episode"/>.</summary>
    public static string OptimizerFileName(int episode) => ModelPrefix + episode.ToString("D8", CultureInfo.InvariantCulture) + ".optimizer" + ModelExtension;

    /// <summary>
    /// Commits <paramref name="state"/> to <paramref name="dir"/>; when <see cref="SimulationState.ModelFile"/> is set,
    /// <paramref name="saveModel"/> first writes the checkpoint to that path (atomically), and <paramref name="saveOptimizer"/>
    /// the trainer's state to <see cref="SimulationState.OptimizerFile"/>.
    /// </summary>
    public static void Write(string dir, SimulationState state, Action<string>? saveModel, Action<string>? saveOptimizer = null)
    {
        if (state.ModelFile is not null)
        {
            if (saveModel is null) throw new ArgumentException("a model file is named but nothing saves it", nameof(saveModel));
            saveModel(Path.Combine(dir, state.ModelFile));
            if (state.OptimizerFile is not null)
            {
                if (saveOptimizer is null) throw new ArgumentException("an optimiser file is named but nothing saves it", nameof(saveOptimizer));
                saveOptimizer(Path.Combine(dir, state.OptimizerFile));
            }
        }
        var body = JsonSerializer.SerializeToUtf8Bytes(state, Json);
        var head = Encoding.UTF8.GetBytes($"{{\"format\":\"{Format}\",\"crc32\":\"{Crc32.HashToUInt32(body):x8}\",\"state\":");
        AtomicFile.Write(Path.Combine(dir, FileName), s =>
        {
            s.Write(head);
            s.Write(body);
            s.Write("}\n"u8);
        });
        foreach (var old in Directory.EnumerateFiles(dir, ModelPrefix + "*" + ModelExtension))
        {
            string name = Path.GetFileName(old);
            if (name != state.ModelFile && name != state.OptimizerFile) AtomicFile.TryDelete(old);
        }
    }

    /// <summary>
    /// Reads and checks <c>simulation.json</c>: the state, or null — with <paramref name="error"/> null when there is no
    /// file, else saying what is wrong (the file must then not be trusted).
    /// </summary>
    public static SimulationState? TryRead(string dir, out string? error)
    {
        error = null;
        string path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) return null;
        byte[] data;
        try
        {
            if (new FileInfo(path).Length > MaxBytes)
            {
                error = $"{path}: larger than {MaxBytes} bytes";
                return null;
            }
            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"{path}: cannot be read: {e.Message}";
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(data, new JsonDocumentOptions { MaxDepth = 16 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("crc32", out var crc) || crc.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("state", out var stateEl) || stateEl.ValueKind != JsonValueKind.Object)
            {
                error = $"{path}: expected an object with format, crc32 and state";
                return null;
            }
            if (format.GetString() != Format)
            {
                error = $"{path}: format '{format.GetString()}', expected '{Format}'";
                return null;
            }
            var raw = Encoding.UTF8.GetBytes(stateEl.GetRawText());
            string actual = Crc32.HashToUInt32(raw).ToString("x8", CultureInfo.InvariantCulture);
            if (!string.Equals(actual, crc.GetString(), StringComparison.OrdinalIgnoreCase))
            {
                error = $"{path}: the state fails its CRC-32 check (stored {crc.GetString()}, computed {actual}): the file is corrupted";
                return null;
            }
            var state = stateEl.Deserialize<SimulationState>(Json);
            string? problem = state is null ? "the state is null" : state.Validate();
            if (problem is not null)
            {
                error = $"{path}: {problem}";
                return null;
            }
            return state;
        }
        catch (JsonException e)
        {
            error = $"{path}: not valid JSON at line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}: {e.Message}";
            return null;
        }
    }

    /// <summary>Loads the checkpoint the state names and checks it against the configuration the simulation builds.</summary>
    public static PerspectiveWorldModel LoadModel(string dir, SimulationState state, WorldModelConfig expected)
    {
        string path = Path.Combine(dir, state.ModelFile!);
        if (!File.Exists(path)) throw new InvalidModelFileException($"{path}: the world model checkpoint named by {FileName} is missing");
        var model = PerspectiveWorldModel.Load(path);
        if (model.Config != expected)
        {
            throw new InvalidModelFileException($"{path}: the checkpoint's model sizes {model.Config} do not match the configured simulation's {expected}");
        }
        return model;
    }

    /// <summary>Restores the trainer's state the state names into <paramref name="trainer"/> (of the loaded model).</summary>
    public static void LoadOptimizer(string dir, SimulationState state, WorldModelTrainer trainer)
    {
        string path = Path.Combine(dir, state.OptimizerFile!);
        if (!File.Exists(path)) throw new InvalidModelFileException($"{path}: the optimiser state named by {FileName} is missing");
        trainer.LoadState(path);
    }

    /// <summary>Renames a refused state file aside (<c>simulation.json.refused-&lt;UTC time&gt;</c>) so that it is kept for inspection; returns the new path or null.</summary>
    public static string? SetAside(string dir)
    {
        string path = Path.Combine(dir, FileName);
        string aside = path + ".refused-" + DateTime.UtcNow.ToString("yyyyMMddTHHmmssfff", CultureInfo.InvariantCulture);
        try
        {
            File.Move(path, aside);
            AtomicFile.SyncDirectory(dir);
            return aside;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
